using System.Text.Json;
using EmailWorker.Contracts;
using EmailWorker.IntegrationTests.Support;
using EmailWorker.Publisher;
using EmailWorker.SmtpSink;

namespace EmailWorker.IntegrationTests;

/// <summary>
/// Priority lanes end to end: the .NET publisher puts each message on its lane's exchange, the worker serves high before
/// a bulk backlog, a retried high message waits in the high lane's tier, and a replayed high letter goes back to the high
/// lane. Evidence from the SMTP server's arrival order and the queues, never from the worker's own account.
/// </summary>
[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_messages_go_through_priority_lanes
{
    private const int Bulk = 200;
    private const int High = 10;

    [Test]
    public async Task Should_deliver_high_messages_published_during_a_bulk_drain_before_most_of_the_remaining_bulk_each_exactly_once()
    {
        await using var context = new WorkerTestContext("1s", ingestDeadLetters: false);
        // A slow relay and two handling slots, so the bulk backlog takes a few seconds to drain and high has to overtake it.
        context.Smtp.Script.DataReplyDelay = _ => TimeSpan.FromMilliseconds(5);
        var apply = await CliRun.RunAsync(context.WorkerEnvironment(), "topology", "apply");
        Assert.That(apply.ExitCode, Is.Zero, apply.Stderr);
        await using var publisher = new EmailPublisher(Options(context));
        await PublishAsync(publisher, Enumerable.Range(0, Bulk).Select(i => Message($"bulk-{i}", EmailPriority.Bulk)));
        Assert.That(await context.MessageCountAsync($"{context.WorkQueue}.bulk"), Is.EqualTo(Bulk), "the publisher chose the bulk lane's exchange");

        await using var worker = await context.StartConsumingAsync(new Dictionary<string, string>
        {
            ["EMAILWORKER__DELIVERY__CONCURRENCYLIMIT"] = "2",
            ["EMAILWORKER__DELIVERY__PREFETCHCOUNT"] = "20",
        });
        Assert.That(await context.Smtp.WaitForMessagesAsync(10, TimeSpan.FromSeconds(30)), Is.True, worker.Output);
        // The server's count when the high messages are published: every bulk message it takes from here on is "remaining".
        var bulkBeforeHigh = context.Smtp.Messages.Count;
        await PublishAsync(publisher, Enumerable.Range(0, High).Select(i => Message($"high-{i}", EmailPriority.High)));

        Assert.That(await context.Smtp.WaitForMessagesAsync(Bulk + High, TimeSpan.FromSeconds(60)), Is.True, worker.Output);
        Assert.That(await context.BecomesEmptyAsync($"{context.WorkQueue}.bulk"), Is.True, worker.Output);
        var arrived = context.Smtp.Messages.Select(m => WorkerTestContext.MessageIdOf(m.Data)).ToList();
        var lastHigh = arrived.FindLastIndex(id => id.StartsWith("high-", StringComparison.Ordinal));
        var bulkOvertaking = arrived.Skip(bulkBeforeHigh).Take(lastHigh - bulkBeforeHigh).Count(id => id.StartsWith("bulk-", StringComparison.Ordinal));
        var remainingBulk = Bulk - bulkBeforeHigh;
        TestContext.Out.WriteLine($"{bulkOvertaking} of {remainingBulk} remaining bulk messages reached the server before the last high one");
        Assert.Multiple(() =>
        {
            Assert.That(arrived, Is.Unique, "every message exactly once at the server");
            Assert.That(arrived, Is.EquivalentTo(Enumerable.Range(0, Bulk).Select(i => $"bulk-{i}").Concat(Enumerable.Range(0, High).Select(i => $"high-{i}"))));
            Assert.That(remainingBulk, Is.GreaterThan(Bulk / 2), "the backlog was still there when high was published");
            Assert.That(bulkOvertaking, Is.LessThan(remainingBulk / 4),
                $"bulk messages the server took between the high messages' publish and the last of them: {bulkOvertaking} of {remainingBulk} remaining");
        });
    }

    [Test]
    public async Task Should_retry_a_high_message_through_the_high_lanes_tier()
    {
        await using var context = new WorkerTestContext("3s", ingestDeadLetters: false);
        var attempts = 0;
        context.Smtp.Script.OnData = (_, _, _) => Interlocked.Increment(ref attempts) == 1 ? new SmtpReply(451, "4.3.0 try later") : null;
        await using var worker = await context.StartConsumingAsync();
        await using var publisher = new EmailPublisher(Options(context));

        await publisher.PublishAsync(Message("high-retried", EmailPriority.High));

        // Waiting out its 3 s in the high lane's tier, not the normal lane's.
        Assert.That(await WorkerTestContext.EventuallyAsync(async () => await context.MessageCountAsync($"{context.Prefix}.retry.high.3s") == 1,
            TimeSpan.FromSeconds(30)), Is.True, worker.Output);
        Assert.That(await context.MessageCountAsync($"{context.Prefix}.retry.3s"), Is.Zero);
        Assert.That(await context.Smtp.WaitForMessagesAsync(1, TimeSpan.FromSeconds(30)), Is.True, worker.Output);
        Assert.Multiple(() =>
        {
            Assert.That(attempts, Is.EqualTo(2), "refused once with 451, accepted the second time");
            Assert.That(context.DeliveredMessageIds(), Is.EquivalentTo(new[] { "high-retried" }));
        });
    }

    [Test]
    public async Task Should_replay_a_dead_lettered_high_message_to_the_high_lane()
    {
        await using var context = new WorkerTestContext("1s");
        context.Smtp.Script.OnRcptTo = _ => new SmtpReply(550, "5.1.1 scripted: no such user");
        var worker = await context.StartConsumingAsync();
        await using var publisher = new EmailPublisher(Options(context));
        await publisher.PublishAsync(Message("high-replayed", EmailPriority.High));
        (int ExitCode, string Stdout, string Stderr) stored = default;
        Assert.That(await WorkerTestContext.EventuallyAsync(async () =>
            (stored = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "list", "--json")).ExitCode == 0
            && JsonDocument.Parse(stored.Stdout).RootElement.GetArrayLength() == 1, TimeSpan.FromSeconds(60)), Is.True, $"{stored.Stderr}\n{worker.Output}");
        // No worker while the replay runs: the queues show where the letter went.
        await worker.DisposeAsync();

        var replay = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "replay", "--all", "--yes");
        Assert.That(replay.ExitCode, Is.Zero, replay.Stderr);
        var inHigh = await context.MessageCountAsync($"{context.WorkQueue}.high");
        var inNormal = await context.MessageCountAsync(context.WorkQueue);
        Assert.Multiple(() =>
        {
            Assert.That(inHigh, Is.EqualTo(1), "back in the high lane");
            Assert.That(inNormal, Is.Zero, "not in the normal lane");
        });

        context.Smtp.Script.OnRcptTo = _ => null;
        await using var mended = await context.StartConsumingAsync();
        Assert.That(await context.Smtp.WaitForMessagesAsync(1, TimeSpan.FromSeconds(30)), Is.True, mended.Output);
        Assert.That(context.DeliveredMessageIds(), Is.EquivalentTo(new[] { "high-replayed" }));
    }

    private static SendEmail Message(string id, string priority) => new()
    {
        MessageId = id,
        To = [new EmailAddress { Address = $"{id}@example.org" }],
        Subject = id,
        Text = "lane test",
        Priority = priority,
    };

    private static EmailPublisherOptions Options(WorkerTestContext context) => new()
    {
        HostName = context.Broker.Host,
        Port = context.Broker.Port,
        VirtualHost = context.Broker.VirtualHost,
        UserName = context.Broker.Username,
        Password = context.Broker.Password,
        Exchange = context.WorkQueue,
        Limits = new SendEmailLimits { HasDefaultSender = true },
        Timeout = TimeSpan.FromSeconds(20),
    };

    /// <summary>Confirmed publishes, a few at once (the publisher's channels).</summary>
    private static async Task PublishAsync(EmailPublisher publisher, IEnumerable<SendEmail> messages)
    {
        foreach (var batch in messages.Chunk(4))
            await Task.WhenAll(batch.Select(message => publisher.PublishAsync(message)));
    }
}
