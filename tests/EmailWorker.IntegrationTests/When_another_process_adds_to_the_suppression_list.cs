using EmailWorker.IntegrationTests.Support;

namespace EmailWorker.IntegrationTests;

/// <summary>
/// The worker's filter of the list learns an entry another process adds while it runs: after <c>suppress add</c> by the
/// CLI, messages to ann and bob are published one at a time until one reports ann suppressed (the filter's refresh is
/// every second; the test waits for the outcome, it asserts no time); from then on every message reaches bob and not
/// ann — counted at the SMTP server. A worker whose filter missed entries added by others would send to ann forever.
/// </summary>
[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_another_process_adds_to_the_suppression_list
{
    private const string Ann = "ann@example.org";
    private const string Bob = "bob@example.org";

    [Test]
    public async Task Should_reach_the_running_worker_through_its_filter()
    {
        await using var context = new WorkerTestContext(ingestDeadLetters: false);
        await using var worker = await context.StartConsumingAsync(new Dictionary<string, string> { ["EMAILWORKER__SUPPRESSION__ENABLED"] = "true" });
        await using var events = await EventCollector.StartAsync(context);
        // A message before the entry: the filter is loaded (empty) and in use by then.
        await context.PublishJsonAsync([Message("other-0")]);
        Assert.That(await events.WaitForAsync("other-0", "email.delivered"), Is.True, worker.Output);

        var added = await CliRun.RunAsync(context.WorkerEnvironment(), "suppress", "add", Ann);
        Assert.That(added.ExitCode, Is.Zero, added.Stderr);
        var sent = 0;
        var suppressedAt = 0;
        while (suppressedAt == 0 && sent < 60)
        {
            var messageId = $"other-{++sent}";
            await context.PublishJsonAsync([Message(messageId)]);
            Assert.That(await events.WaitForAsync(messageId, "email.delivered"), Is.True, worker.Output);
            if (events.Of(messageId, "email.suppressed").Count > 0)
                suppressedAt = sent;
        }
        var copiesAtEntry = Copies(context).GetValueOrDefault(Ann);
        foreach (var messageId in new[] { "after-1", "after-2" })
        {
            await context.PublishJsonAsync([Message(messageId)]);
            Assert.That(await events.WaitForAsync(messageId, "email.suppressed"), Is.True, worker.Output);
        }

        Assert.Multiple(() =>
        {
            Assert.That(suppressedAt, Is.GreaterThan(0), "the entry never reached the worker");
            Assert.That(Copies(context).GetValueOrDefault(Ann), Is.EqualTo(copiesAtEntry), "no copy to ann once the entry was seen");
            Assert.That(Copies(context).GetValueOrDefault(Bob), Is.EqualTo(suppressedAt + 3), "bob got every message");
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
