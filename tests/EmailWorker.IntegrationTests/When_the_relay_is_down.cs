using System.Text.RegularExpressions;
using EmailWorker.IntegrationTests.Support;

namespace EmailWorker.IntegrationTests;

[TestFixture]
[Category("Fault")]
[CancelAfter(TestTimeouts.PerTest)]
public sealed partial class When_the_relay_is_down
{
    private const int Count = 100;

    [Test]
    public async Task Should_hold_the_queue_without_counting_attempts_and_deliver_everything_when_it_returns()
    {
        await using var context = new WorkerTestContext(ingestDeadLetters: false);
        await context.Smtp.StopAsync();
        await using var worker = context.StartWorker();
        Assert.That(await worker.WaitForOutputAsync("Worker consuming", TimeSpan.FromSeconds(30)), Is.True, worker.Output);
        await using var events = await EventCollector.StartAsync(context);
        var recipients = Enumerable.Range(0, Count).Select(i => $"outage-{i}@example.org").ToArray();

        await context.PublishJsonAsync(Enumerable.Range(0, Count).Select(i => SampleMessages.Simple($"outage-{i}", recipients[i])));
        Assert.That(await worker.WaitForOutputAsync("SMTP relay unusable", TimeSpan.FromSeconds(30)), Is.True, worker.Output);
        // The outage of the scenario: the relay stays away for 20 s while the worker probes it.
        await Task.Delay(TimeSpan.FromSeconds(20), TestContext.CurrentContext.CancellationToken);
        Assert.Multiple(async () =>
        {
            Assert.That(await context.BecomesEmptyAsync(context.DeadQueue), Is.True, "a relay outage never dead-letters");
            Assert.That(await ExchangeStats.PublishedInAsync(context.Broker, $"{context.Prefix}.retry"), Is.Zero,
                "a relay outage never burns a retry: nothing went to a retry tier (the broker's count)");
        });

        context.Smtp.Start();

        Assert.That(await WorkerTestContext.EventuallyAsync(() => Task.FromResult(context.CopiesByRecipient().Count == Count), TimeSpan.FromSeconds(60)),
            Is.True, $"delivered {context.CopiesByRecipient().Count} of {Count}\n{worker.Output}");
        Assert.That(await WorkerTestContext.EventuallyAsync(() => Task.FromResult(events.Events.Count(e => e.RoutingKey == "email.delivered") >= Count), TimeSpan.FromSeconds(30)),
            Is.True, worker.Output);
        // Once nothing is ready or unacked, no further copy can come: the counts below are final.
        Assert.That(await context.BecomesEmptyAsync(context.WorkQueue), Is.True, $"{await context.QueueCountsAsync(context.WorkQueue)}");
        Assert.Multiple(async () =>
        {
            Assert.That(context.CopiesByRecipient().ToDictionary(c => c.Key, c => c.Value.Count), Is.EquivalentTo(recipients.ToDictionary(r => r, _ => 1)),
                "every recipient gets exactly one copy: nothing was sent while the relay was away");
            Assert.That(events.Events.Where(e => e.RoutingKey == "email.delivered").Select(e => e.Body.GetProperty("attempt").GetInt32()), Is.All.EqualTo(1),
                "no attempt was counted during the outage");
            Assert.That(await context.BecomesEmptyAsync(context.DeadQueue), Is.True);
            Assert.That(await ExchangeStats.PublishedInAsync(context.Broker, $"{context.Prefix}.retry"), Is.Zero, "no message ever went to a retry tier");
            Assert.That(Opened().Matches(worker.Output), Has.Count.EqualTo(1), "the breaker opens once, not once per message\n" + worker.Output);
            Assert.That(Closed().Matches(worker.Output), Has.Count.EqualTo(1), "and closes once");
        });
    }

    [GeneratedRegex("SMTP relay unusable, pausing consumption")]
    private static partial Regex Opened();

    [GeneratedRegex("SMTP relay answers again after")]
    private static partial Regex Closed();
}
