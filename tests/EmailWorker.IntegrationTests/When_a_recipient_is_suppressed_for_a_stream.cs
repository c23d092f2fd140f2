using System.Collections.Concurrent;
using EmailWorker.IntegrationTests.Support;

namespace EmailWorker.IntegrationTests;

/// <summary>
/// Suppression per stream end to end: an operator lists ann for the <c>broadcast</c> stream only (<c>suppress add
/// --stream</c>); a <c>transactional</c> message and one without a stream still reach her, a <c>broadcast</c> one does not
/// (counted at the SMTP server: RCPTs and copies per recipient) and says so with <c>email.suppressed</c> naming the scope
/// and <c>emailworker_suppression_matched_total{scope="stream"}</c>,
/// while its other recipient gets it. After <c>suppress remove --stream broadcast</c> a broadcast message reaches her again.
/// </summary>
[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_a_recipient_is_suppressed_for_a_stream
{
    private const string Ann = "ann@example.org";
    private const string Bob = "bob@example.org";
    private const string Matched = "emailworker_suppression_matched_total";

    [Test]
    public async Task Should_skip_the_recipient_only_for_messages_of_that_stream()
    {
        await using var context = new WorkerTestContext(ingestDeadLetters: false);
        var rcpts = new ConcurrentDictionary<string, int>();
        context.Smtp.Script.OnRcptTo = recipient =>
        {
            rcpts.AddOrUpdate(recipient, 1, (_, n) => n + 1);
            return null;
        };
        var upperCase = await CliRun.RunAsync(context.WorkerEnvironment(), "suppress", "add", Ann, "--stream", "Broadcast");
        var added = await CliRun.RunAsync(context.WorkerEnvironment(), "suppress", "add", "Ann@Example.org", "--stream", "broadcast");
        Assert.Multiple(() =>
        {
            Assert.That(upperCase.ExitCode, Is.EqualTo(2), "stream names are lower case: " + upperCase.Stderr);
            Assert.That((added.ExitCode, added.Stdout), Is.EqualTo((0, "added ann@example.org (manual, scope broadcast)\n")), added.Stderr);
        });
        // On as shipped (the test context turns it off for the other tests).
        using var listener = new WorkerListener();
        await using var worker = await context.StartConsumingAsync(listener.Environment(new Dictionary<string, string> { ["EMAILWORKER__SUPPRESSION__ENABLED"] = "true" }));
        await using var events = await EventCollector.StartAsync(context);

        await context.PublishJsonAsync([Message("stream-t", "transactional", Ann), Message("stream-none", null, Ann), Message("stream-b", "broadcast", Ann, Bob)]);
        Assert.That(await events.WaitForAsync("stream-t", "email.delivered"), Is.True, worker.Output);
        Assert.That(await events.WaitForAsync("stream-none", "email.delivered"), Is.True, worker.Output);
        Assert.That(await events.WaitForAsync("stream-b", "email.delivered"), Is.True, worker.Output);
        Assert.That(await events.WaitForAsync("stream-b", "email.suppressed"), Is.True, worker.Output);

        var suppressed = events.Of("stream-b", "email.suppressed").Single();
        // The scrape may trail the events by its cache: wait until it has the one recipient suppressed.
        Assert.That(await WorkerTestContext.EventuallyAsync(async () => (await listener.ScrapeAsync()).Sum(Matched) >= 1, TimeSpan.FromSeconds(15)), Is.True);
        var scrape = await listener.ScrapeAsync();
        Assert.Multiple(() =>
        {
            Assert.That(rcpts, Is.EqualTo(new Dictionary<string, int> { [Ann] = 2, [Bob] = 1 }), "ann: the transactional message and the one without a stream");
            Assert.That(Copies(context), Is.EqualTo(new Dictionary<string, int> { [Ann] = 2, [Bob] = 1 }));
            Assert.That((suppressed.GetProperty("recipient").GetString(), suppressed.GetProperty("scope").GetString(), suppressed.GetProperty("reason").GetString()),
                Is.EqualTo((Ann, "broadcast", "manual")));
            Assert.That(events.Of("stream-t", "email.suppressed").Concat(events.Of("stream-none", "email.suppressed")), Is.Empty);
            Assert.That((scrape.Sum(Matched, ("emailworker_suppression_scope", "stream")), scrape.Sum(Matched)), Is.EqualTo((1d, 1d)),
                "counted by the kind of scope");
        });
        Assert.That(await worker.WaitForOutputAsync("on the suppression list (manual, by address, scope broadcast)", TimeSpan.FromSeconds(30)), Is.True, worker.Output);

        var wrongScope = await CliRun.RunAsync(context.WorkerEnvironment(), "suppress", "remove", Ann);
        var removed = await CliRun.RunAsync(context.WorkerEnvironment(), "suppress", "remove", Ann, "--stream", "broadcast");
        Assert.Multiple(() =>
        {
            Assert.That(wrongScope.ExitCode, Is.EqualTo(1), "ann has no global entry: " + wrongScope.Stderr);
            Assert.That((removed.ExitCode, removed.Stdout), Is.EqualTo((0, "removed ann@example.org (scope broadcast)\n")), removed.Stderr);
        });
        await context.PublishJsonAsync([Message("stream-b2", "broadcast", Ann)]);
        Assert.That(await events.WaitForAsync("stream-b2", "email.delivered"), Is.True, worker.Output);
        Assert.That(Copies(context), Is.EqualTo(new Dictionary<string, int> { [Ann] = 3, [Bob] = 1 }));
    }

    private static object Message(string messageId, string? stream, params string[] recipients) => new
    {
        messageId,
        to = recipients.Select(address => new { address }).ToArray(),
        subject = "s",
        text = "t",
        stream,
    };

    private static Dictionary<string, int> Copies(WorkerTestContext context) =>
        context.Smtp.Messages.SelectMany(m => m.Recipients).GroupBy(r => r).ToDictionary(g => g.Key, g => g.Count());
}
