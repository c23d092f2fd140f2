using EmailWorker.IntegrationTests.Support;

namespace EmailWorker.IntegrationTests;

[TestFixture]
public sealed class When_the_worker_is_stopped
{
    [Test]
    public async Task Should_settle_in_flight_messages_and_exit_zero_on_sigterm()
    {
        await using var context = new WorkerTestContext();
        context.Smtp.Script.ReplyDelay = TimeSpan.FromMilliseconds(20);
        await using var worker = context.StartWorker();
        Assert.That(await worker.WaitForOutputAsync("Worker consuming", TimeSpan.FromSeconds(30)), Is.True, worker.Output);
        await context.PublishJsonAsync(Enumerable.Range(0, 100).Select(i => SampleMessages.Simple($"stop-{i}")));
        Assert.That(await context.Smtp.WaitForMessagesAsync(10, TimeSpan.FromSeconds(30)), Is.True, worker.Output);

        await worker.TerminateAsync();
        var exitCode = await worker.WaitForExitAsync(TimeSpan.FromSeconds(45));

        var delivered = context.DeliveredMessageIds().Count;
        Assert.Multiple(async () =>
        {
            Assert.That(exitCode, Is.Zero, worker.Output);
            Assert.That(worker.Output, Does.Contain("in-flight messages settled"));
            // Whatever was not answered 250 is back in the queue, ready for the next worker.
            Assert.That(delivered + await context.MessageCountAsync(context.WorkQueue), Is.GreaterThanOrEqualTo(100));
        });
    }
}
