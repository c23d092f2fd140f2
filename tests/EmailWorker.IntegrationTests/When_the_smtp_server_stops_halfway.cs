using EmailWorker.IntegrationTests.Support;

namespace EmailWorker.IntegrationTests;

[TestFixture]
public sealed class When_the_smtp_server_stops_halfway
{
    private const int Count = 100;

    [Test]
    public async Task Should_keep_undelivered_messages_in_the_work_queue_and_deliver_them_when_it_is_back()
    {
        await using var context = new WorkerTestContext();
        // Slow replies make sure the outage falls in the middle of the run.
        context.Smtp.Script.ReplyDelay = TimeSpan.FromMilliseconds(15);
        await using var worker = context.StartWorker(new Dictionary<string, string> { ["EMAILWORKER__SMTP__POOLSIZE"] = "2" });
        Assert.That(await worker.WaitForOutputAsync("Worker consuming", TimeSpan.FromSeconds(30)), Is.True, worker.Output);
        await context.PublishJsonAsync(Enumerable.Range(0, Count).Select(i => SampleMessages.Simple($"halfway-{i}")));

        Assert.That(await context.Smtp.WaitForMessagesAsync(20, TimeSpan.FromSeconds(60)), Is.True, worker.Output);
        await context.Smtp.StopAsync();

        // With the relay gone, every message not yet answered 250 must still be in the work queue (ready or unacked).
        Assert.That(await WorkerTestContext.EventuallyAsync(async () => await context.ConsumerCountAsync(context.WorkQueue) == 0, TimeSpan.FromSeconds(30)),
            Is.True, "the worker should stop consuming while the relay is down\n" + worker.Output);
        // In-flight sends fail one by one after the consumer was cancelled; once they are requeued, every message that was
        // not answered 250 is ready in the work queue again.
        Assert.That(await WorkerTestContext.EventuallyAsync(
                async () => context.DeliveredMessageIds().Count + await context.MessageCountAsync(context.WorkQueue) >= Count, TimeSpan.FromSeconds(30)),
            Is.True, "no message may be acked without its 250\n" + worker.Output);
        Assert.Multiple(async () =>
        {
            Assert.That(context.DeliveredMessageIds(), Has.Count.LessThan(Count), "the outage should have come before the end");
            Assert.That(await context.MessageCountAsync(context.DeadQueue), Is.Zero, "an outage must not dead-letter anything");
        });

        context.Smtp.Start();
        Assert.That(await WorkerTestContext.EventuallyAsync(() => Task.FromResult(context.DeliveredMessageIds().Count == Count), TimeSpan.FromSeconds(90)),
            Is.True, $"delivered {context.DeliveredMessageIds().Count} of {Count} after the relay came back\n{worker.Output}");
        Assert.That(await WorkerTestContext.EventuallyAsync(async () => await context.MessageCountAsync(context.WorkQueue) == 0, TimeSpan.FromSeconds(10)), Is.True);
    }
}
