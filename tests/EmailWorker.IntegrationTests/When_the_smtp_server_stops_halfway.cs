using EmailWorker.IntegrationTests.Support;

namespace EmailWorker.IntegrationTests;

[TestFixture]
[Category("Fault")]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_the_smtp_server_stops_halfway
{
    private const int Count = 100;
    private const int PoolSize = 2;

    [Test]
    public async Task Should_keep_undelivered_messages_in_the_work_queue_and_deliver_them_when_it_is_back()
    {
        await using var context = new WorkerTestContext(ingestDeadLetters: false);
        // Slow replies make sure the outage falls in the middle of the run.
        context.Smtp.Script.ReplyDelay = TimeSpan.FromMilliseconds(15);
        await using var worker = context.StartWorker(new Dictionary<string, string> { ["EMAILWORKER__SMTP__POOLSIZE"] = $"{PoolSize}" });
        Assert.That(await worker.WaitForOutputAsync("Worker consuming", TimeSpan.FromSeconds(30)), Is.True, worker.Output);
        var recipients = Enumerable.Range(0, Count).Select(i => $"halfway-{i}@example.org").ToArray();
        await context.PublishJsonAsync(Enumerable.Range(0, Count).Select(i => SampleMessages.Simple($"halfway-{i}", recipients[i])));

        Assert.That(await context.Smtp.WaitForMessagesAsync(20, TimeSpan.FromSeconds(60)), Is.True, worker.Output);
        await context.Smtp.StopAsync();
        var stoppedAt = DateTimeOffset.UtcNow;

        Assert.That(await WorkerTestContext.EventuallyAsync(async () => await context.ConsumerCountAsync(context.WorkQueue) == 0, TimeSpan.FromSeconds(30)),
            Is.True, "the worker should stop consuming while the relay is down\n" + worker.Output);
        // Every message not taken by the relay is back in the work queue once the worker has returned what it held (nothing
        // unacked). The relay may also have taken a message whose 250 was lost when its connection was cut (one per pooled
        // connection at most): that one is both delivered and queued, and is sent again later. The ready count is AMQP's
        // (current); the unacked one the management API's, whose figures trail but were above 0 before the outage.
        var delivered = 0;
        uint ready = 0;
        QueueCounts? counts = null;
        Assert.That(await WorkerTestContext.EventuallyAsync(async () =>
            {
                delivered = context.CopiesByRecipient().Count;
                ready = await context.MessageCountAsync(context.WorkQueue);
                counts = await context.QueueCountsAsync(context.WorkQueue);
                return counts is { Unacked: 0 } && delivered + ready >= Count;
            }, TimeSpan.FromSeconds(30)),
            Is.True, $"no message may be acked without its 250: {delivered} delivered, {ready} ready, {counts}\n{worker.Output}");
        Assert.Multiple(async () =>
        {
            Assert.That(delivered + ready, Is.LessThanOrEqualTo(Count + PoolSize), $"{delivered} delivered, {ready} ready");
            Assert.That(delivered, Is.LessThan(Count), "the outage should have come before the end");
            Assert.That(await context.BecomesEmptyAsync(context.DeadQueue), Is.True, "an outage must not dead-letter anything");
        });

        context.Smtp.Start();
        Assert.That(await WorkerTestContext.EventuallyAsync(() => Task.FromResult(context.CopiesByRecipient().Count == Count), TimeSpan.FromSeconds(90)),
            Is.True, $"delivered {context.CopiesByRecipient().Count} of {Count} after the relay came back\n{worker.Output}");
        // Once nothing is ready or unacked, no further copy can come: the counts below are final.
        Assert.That(await context.BecomesEmptyAsync(context.WorkQueue), Is.True, $"{await context.QueueCountsAsync(context.WorkQueue)}");
        var copies = context.CopiesByRecipient();
        var resent = copies.Where(c => c.Value.Count > 1).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(copies.Keys, Is.EquivalentTo(recipients), "lost = 0");
            Assert.That(copies.Values.Select(c => c.Count), Is.All.InRange(1, 2));
            Assert.That(resent, Has.Length.LessThanOrEqualTo(PoolSize), "only a 250 lost with a cut connection is resent");
            Assert.That(resent.Where(c => c.Value[0].ReceivedAt > stoppedAt).Select(c => c.Key), Is.Empty,
                "a second copy only for a message the relay took before it stopped");
        });
    }
}
