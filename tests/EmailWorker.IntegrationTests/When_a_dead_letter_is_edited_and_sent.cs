using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using EmailWorker.IntegrationTests.Support;

namespace EmailWorker.IntegrationTests;

/// <summary>
/// Edit &amp; retry end to end: a real worker dead-letters a message for a mistyped recipient, the operator fixes the
/// recipient and the subject with <c>dlq edit</c>, and the scripted SMTP server receives the edited message exactly once
/// and the original never.
/// </summary>
[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed partial class When_a_dead_letter_is_edited_and_sent
{
    [Test]
    public async Task Should_deliver_the_edited_message_exactly_once_and_never_the_original()
    {
        await using var context = new WorkerTestContext();
        var apply = await CliRun.RunAsync(context.WorkerEnvironment(), "topology", "apply");
        Assert.That(apply.ExitCode, Is.Zero, apply.Stderr);
        await WorkerDeadLetters.MakeAsync(context,
            [new { messageId = "typo-1", from = new { address = "shop@example.com" }, to = new[] { new { address = "ann@exmaple.org" } }, subject = "Your order", text = "Hello Ann" }]);
        var list = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "list", "--json");
        var letterId = JsonDocument.Parse(list.Stdout).RootElement[0].GetProperty("letterId").GetString()!;
        await using var worker = context.StartWorker();
        Assert.That(await worker.WaitForOutputAsync("Worker consuming", TimeSpan.FromSeconds(30)), Is.True, worker.Output);
        string[] change = ["dlq", "edit", letterId, "--set-to", "ann@example.org", "--set-subject", "Your order 7"];

        var invalid = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "edit", letterId, "--set-to", "ann@", "--yes");
        var dryRun = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "edit", letterId, "--set-to", "ann@example.org", "--set-subject", "Your order \u001b[31m7",
            "--dry-run");
        var unasked = await CliRun.RunAsync(context.WorkerEnvironment(), change);
        Assert.Multiple(() =>
        {
            Assert.That(invalid.ExitCode, Is.EqualTo(2), invalid.Stdout);
            Assert.That(invalid.Stderr, Does.Contain("the edit is refused").And.Contain("invalid_address"));
            Assert.That(dryRun.ExitCode, Is.Zero, dryRun.Stderr);
            Assert.That(dryRun.Stdout, Does.Contain("- to: ann@exmaple.org\n+ to: ann@example.org\n"));
            Assert.That(dryRun.Stdout, Does.Contain("+ subject: Your order \\u001B[31m7").IgnoreCase, "the terminal escape is written escaped");
            Assert.That(unasked.ExitCode, Is.EqualTo(2), "no terminal to ask and no --yes");
            Assert.That(unasked.Stderr, Does.Contain("pass --yes"));
        });

        var edit = await CliRun.RunAsync(context.WorkerEnvironment(), [.. change, "--yes", "--by", "ops-test"]);

        Assert.That(edit.ExitCode, Is.Zero, edit.Stderr);
        Assert.That(await context.Smtp.WaitForMessagesAsync(1, TimeSpan.FromSeconds(30)), Is.True, worker.Output);
        var again = await CliRun.RunAsync(context.WorkerEnvironment(), [.. change, "--yes"]);
        var replay = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "replay", "--all", "--yes");
        Assert.That(await context.BecomesEmptyAsync(context.WorkQueue), Is.True, "nothing left to deliver");
        var history = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "list", "--json", "--history");
        var states = JsonDocument.Parse(history.Stdout).RootElement.EnumerateArray()
            .ToDictionary(r => r.GetProperty("letterId").GetString()!, r => r.GetProperty("state").GetString());
        var show = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "show", letterId);
        var received = context.Smtp.Messages.ToList();
        Assert.Multiple(() =>
        {
            Assert.That(show.Stdout, Does.Contain("replaced by its edited copy").And.Contain("by ops-test (cli)"));
            Assert.That(show.Stdout, Does.Contain("  - to: ann@exmaple.org\n  + to: ann@example.org\n"), "both versions kept");
            Assert.That(received, Has.Count.EqualTo(1), "the edited message once");
            Assert.That(received[0].Recipients, Is.EqualTo(new[] { "ann@example.org" }), "to the fixed recipient, never the original's");
            Assert.That(Encoding.UTF8.GetString(received[0].Data), Does.Contain("Subject: Your order 7"));
            Assert.That(context.DeliveredMessageIds(), Is.EquivalentTo(new[] { "typo-1" }), "the same message id");
            Assert.That(again.ExitCode, Is.EqualTo(2));
            Assert.That(again.Stderr, Does.Contain("the edit is refused").And.Contain("edited, not dead"));
            Assert.That(replay.Stdout, Does.Contain("0 dead letter(s) selected"), "neither the original nor the sent copy can be replayed");
            Assert.That(states[letterId], Is.EqualTo("edited"));
            Assert.That(states.Where(s => s.Key != letterId).Select(s => s.Value), Is.EqualTo(new[] { "replayed" }), "the copy, sent by its job");
        });
    }

    /// <summary>
    /// The command stops after the store committed the edit and before anything was published (the broker is away): the
    /// copy stays queued in its job, and resuming the job sends the copy, never the original.
    /// </summary>
    [Test]
    public async Task Should_send_the_edit_and_never_the_original_when_its_job_is_resumed_after_an_interruption()
    {
        await using var context = new WorkerTestContext();
        var apply = await CliRun.RunAsync(context.WorkerEnvironment(), "topology", "apply");
        Assert.That(apply.ExitCode, Is.Zero, apply.Stderr);
        await DeadLetterFactory.PublishAsync(context, [("away-1", "permanent", "bob@exmaple.org")]);
        var list = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "list", "--json");
        var letterId = JsonDocument.Parse(list.Stdout).RootElement[0].GetProperty("letterId").GetString()!;
        var file = Path.Combine(TestContext.CurrentContext.WorkDirectory, $"edited-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, """
            {"messageId":"away-1","from":{"address":"shop@example.com"},"to":[{"address":"bob@example.org"}],"subject":"Subject of away-1","text":"fixed"}
            """);
        var away = context.WorkerEnvironment(new Dictionary<string, string>
        {
            ["EMAILWORKER__RABBITMQ__HOST"] = "127.0.0.1",
            ["EMAILWORKER__RABBITMQ__PORT"] = WorkerListener.FreePort().ToString(CultureInfo.InvariantCulture),
            ["EMAILWORKER__RABBITMQ__ENDPOINTS"] = "",
        });

        var interrupted = await CliRun.RunAsync(away, "dlq", "edit", letterId, "--from-file", file, "--yes");

        Assert.That(interrupted.ExitCode, Is.EqualTo(1), interrupted.Stdout);
        var jobId = ResumeHint().Match(interrupted.Stderr) is { Success: true } hint ? hint.Groups[1].Value : null;
        Assert.That(jobId, Is.Not.Null, interrupted.Stderr);
        await using var worker = context.StartWorker();
        Assert.That(await worker.WaitForOutputAsync("Worker consuming", TimeSpan.FromSeconds(30)), Is.True, worker.Output);
        var resume = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "jobs", "resume", jobId!);
        Assert.That(resume.ExitCode, Is.Zero, resume.Stderr);
        Assert.That(await context.Smtp.WaitForMessagesAsync(1, TimeSpan.FromSeconds(30)), Is.True, worker.Output);
        Assert.That(await context.BecomesEmptyAsync(context.WorkQueue), Is.True);
        var received = context.Smtp.Messages.ToList();
        Assert.Multiple(() =>
        {
            Assert.That(received, Has.Count.EqualTo(1));
            Assert.That(received[0].Recipients, Is.EqualTo(new[] { "bob@example.org" }), "the edit, not the original");
            Assert.That(Encoding.UTF8.GetString(received[0].Data), Does.Contain("fixed"));
        });
    }

    [GeneratedRegex(@"dlq jobs resume (\d+)")]
    private static partial Regex ResumeHint();
}
