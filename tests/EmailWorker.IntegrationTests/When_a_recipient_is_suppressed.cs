using System.Collections.Concurrent;
using System.Text.Json;
using EmailWorker.IntegrationTests.Support;
using EmailWorker.SmtpSink;

namespace EmailWorker.IntegrationTests;

/// <summary>
/// The suppression list end to end: a hard bounce at RCPT puts the recipient on the list, the next message is not sent to
/// it (counted at the SMTP server: RCPTs per recipient, copies per recipient) and says so with <c>email.suppressed</c>, and
/// once an operator removes the entry the recipient gets mail again. The store's side is read with <c>suppress list --json</c>.
/// The CLI's refusals of bad input, and an export imported into another store through the CLI, are tests of their own.
/// </summary>
[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_a_recipient_is_suppressed
{
    private const string Ann = "ann@example.org";
    private const string Bob = "bob@example.org";

    [Test]
    public async Task Should_not_try_a_hard_bounced_recipient_again_until_the_entry_is_removed()
    {
        await using var context = new WorkerTestContext(ingestDeadLetters: false);
        var rcpts = new ConcurrentDictionary<string, int>();
        var bobExists = false;
        context.Smtp.Script.OnRcptTo = recipient =>
        {
            rcpts.AddOrUpdate(recipient, 1, (_, n) => n + 1);
            return recipient == Bob && !Volatile.Read(ref bobExists) ? new SmtpReply(550, "5.1.1 <bob@example.org>: Recipient address rejected: User unknown") : null;
        };
        // On as shipped (the test context turns it off for the other tests).
        await using var worker = await context.StartConsumingAsync(new Dictionary<string, string> { ["EMAILWORKER__SUPPRESSION__ENABLED"] = "true" });
        await using var events = await EventCollector.StartAsync(context);

        await context.PublishJsonAsync([Message("suppress-1")]);
        Assert.That(await events.WaitForAsync("suppress-1", "email.dead-lettered"), Is.True, worker.Output);
        Assert.That(await events.WaitForAsync("suppress-1", "email.delivered"), Is.True, worker.Output);

        await context.PublishJsonAsync([Message("suppress-2")]);
        Assert.That(await events.WaitForAsync("suppress-2", "email.delivered"), Is.True, worker.Output);
        Assert.That(await events.WaitForAsync("suppress-2", "email.suppressed"), Is.True, worker.Output);

        var listed = await CliRun.RunAsync(context.WorkerEnvironment(), "suppress", "list", "--json");
        var entries = JsonDocument.Parse(listed.Stdout).RootElement.EnumerateArray().ToList();
        var suppressed = events.Of("suppress-2", "email.suppressed").Single();
        Assert.Multiple(() =>
        {
            Assert.That(rcpts, Is.EqualTo(new Dictionary<string, int> { [Ann] = 2, [Bob] = 1 }), "Bob's RCPT was tried once, by the first message");
            Assert.That(Copies(context), Is.EqualTo(new Dictionary<string, int> { [Ann] = 2 }));
            Assert.That(suppressed.GetProperty("recipient").GetString(), Is.EqualTo(Bob));
            Assert.That(suppressed.GetProperty("reason").GetString(), Is.EqualTo("hard_bounce"));
            Assert.That(events.Of("suppress-2", "email.delivered").Single().GetProperty("recipients").EnumerateArray().Select(r => r.GetString()),
                Is.EqualTo(new[] { Ann }));
            Assert.That(events.Of("suppress-2", "email.dead-lettered"), Is.Empty, "a suppressed recipient is not dead-lettered again");
            Assert.That(listed.ExitCode, Is.Zero, listed.Stderr);
            Assert.That(entries.Select(e => (e.GetProperty("address").GetString(), e.GetProperty("reason").GetString(),
                e.GetProperty("sourceMessageId").GetString(), e.GetProperty("createdBy").GetString())),
                Is.EqualTo(new[] { (Bob, "hard_bounce", "suppress-1", "worker") }));
        });
        // The line travels through the worker's stdout, apart from the events waited for above.
        Assert.That(await worker.WaitForOutputAsync("on the suppression list (hard_bounce, by address, scope global)", TimeSpan.FromSeconds(30)), Is.True, worker.Output);
        Assert.That(worker.Output, Does.Not.Contain("bob@example.org) not sent"), "the log line names no address");

        var removed = await CliRun.RunAsync(context.WorkerEnvironment(), "suppress", "remove", "Bob@Example.org");
        Assert.That(removed.ExitCode, Is.Zero, removed.Stderr);
        Volatile.Write(ref bobExists, true);
        await context.PublishJsonAsync([Message("suppress-3")]);
        Assert.That(await events.WaitForAsync("suppress-3", "email.delivered"), Is.True, worker.Output);

        Assert.Multiple(() =>
        {
            Assert.That(events.Of("suppress-3", "email.delivered").Single().GetProperty("recipients").EnumerateArray().Select(r => r.GetString()),
                Is.EquivalentTo(new[] { Ann, Bob }));
            Assert.That(Copies(context), Is.EqualTo(new Dictionary<string, int> { [Ann] = 3, [Bob] = 1 }));
            Assert.That(events.Of("suppress-3", "email.suppressed"), Is.Empty);
        });
    }

    [Test]
    public async Task Should_refuse_bad_input_with_exit_code_2()
    {
        await using var context = new WorkerTestContext(ingestDeadLetters: false);

        var notAnAddress = await CliRun.RunAsync(context.WorkerEnvironment(), "suppress", "add", "Ann <ann@example.org>");
        var badDomain = await CliRun.RunAsync(context.WorkerEnvironment(), "suppress", "add", "*@not a domain");
        var tooLong = await CliRun.RunAsync(context.WorkerEnvironment(), "suppress", "add", new string('a', 300) + "@example.org");
        var badReason = await CliRun.RunAsync(context.WorkerEnvironment(), "suppress", "add", "ann@example.org", "--reason", "dislike");
        var domain = await CliRun.RunAsync(context.WorkerEnvironment(), "suppress", "add", "*@Gone.example", "--by", "ops");
        var again = await CliRun.RunAsync(context.WorkerEnvironment(), "suppress", "add", "*@gone.example");
        var missing = await CliRun.RunAsync(context.WorkerEnvironment(), "suppress", "remove", "nobody@example.org");

        Assert.Multiple(() =>
        {
            Assert.That((notAnAddress.ExitCode, notAnAddress.Stderr), Is.EqualTo((2, "emailworker: 'Ann <ann@example.org>' is not a mail address: write it bare, e.g. ann@example.org (or *@example.org for a domain)\n")));
            Assert.That(badDomain.ExitCode, Is.EqualTo(2), badDomain.Stderr);
            Assert.That((tooLong.ExitCode, tooLong.Stderr), Is.EqualTo((2, "emailworker: the address is 312 characters long: at most 256\n")));
            Assert.That(badReason.ExitCode, Is.EqualTo(2), badReason.Stderr);
            Assert.That((domain.ExitCode, domain.Stdout), Is.EqualTo((0, "added *@gone.example (manual, scope global)\n")), domain.Stderr);
            Assert.That((again.ExitCode, again.Stdout), Is.EqualTo((0, "*@gone.example is already on the list (scope global): left as it was\n")), again.Stderr);
            Assert.That(missing.ExitCode, Is.EqualTo(1), missing.Stderr);
        });
    }

    [Test]
    public async Task Should_export_the_list_and_import_it_into_another_store_through_the_cli()
    {
        await using var context = new WorkerTestContext(ingestDeadLetters: false);
        await using var other = new WorkerTestContext(ingestDeadLetters: false);
        foreach (var key in new[] { "ann@example.org", "*@gone.example", "bob@example.org" })
            Assert.That((await CliRun.RunAsync(context.WorkerEnvironment(), "suppress", "add", key, "--by", "ops, night")).ExitCode, Is.Zero);
        Directory.CreateDirectory(other.DataDirectory);
        var file = Path.Combine(other.DataDirectory, "list.json");
        var bad = Path.Combine(other.DataDirectory, "bad.csv");
        await File.WriteAllTextAsync(bad, "address,reason\ncy@example.org,manual\nCy <cy@example.org>,manual\ndan@example.org,dislike\n");

        var exported = await CliRun.RunAsync(context.WorkerEnvironment(), "suppress", "export", "--json", "--to", file);
        var overwrite = await CliRun.RunAsync(context.WorkerEnvironment(), "suppress", "export", "--to", file);
        var refused = await CliRun.RunAsync(other.WorkerEnvironment(), "suppress", "import", bad);
        var imported = await CliRun.RunAsync(other.WorkerEnvironment(), "suppress", "import", file, "--json");
        var source = await CliRun.RunAsync(context.WorkerEnvironment(), "suppress", "export");
        var copy = await CliRun.RunAsync(other.WorkerEnvironment(), "suppress", "export");

        Assert.Multiple(() =>
        {
            Assert.That((exported.ExitCode, exported.Stdout), Is.EqualTo((0, $"exported 3 entries to {file}\n")), exported.Stderr);
            Assert.That((overwrite.ExitCode, overwrite.Stderr), Is.EqualTo((2, $"emailworker: {file} exists already: name a new file\n")));
            Assert.That(refused.ExitCode, Is.EqualTo(2));
            Assert.That(refused.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[]
            {
                "emailworker: line 3: 'Cy <cy@example.org>' is not a mail address: write it bare, e.g. ann@example.org (or *@example.org for a domain)",
                "emailworker: line 4: reason 'dislike' is not one of hard_bounce, soft_bounce, complaint, manual",
                "emailworker: 2 wrong entries: nothing was imported",
            }));
            Assert.That((imported.ExitCode, imported.Stdout), Is.EqualTo((0, "{\"imported\":true,\"rows\":3,\"added\":3,\"problemCount\":0,\"problems\":[]}\n")), imported.Stderr);
            Assert.That(source.Stdout, Does.StartWith("address,scope,reason,sourceMessageId,createdAt,createdBy\n*@gone.example,global,manual,,"));
            Assert.That(source.Stdout, Does.Contain(",\"ops, night\"\n"), "a field with a comma is quoted");
            Assert.That(copy.Stdout, Is.EqualTo(source.Stdout), "the other store holds the same list, cy not among it");
        });
    }

    private static object Message(string messageId) => new
    {
        messageId,
        to = new[] { new { address = Ann }, new { address = Bob } },
        subject = "s",
        text = "t",
    };

    private static Dictionary<string, int> Copies(WorkerTestContext context) =>
        context.Smtp.Messages.SelectMany(m => m.Recipients).GroupBy(r => r).ToDictionary(g => g.Key, g => g.Count());
}
