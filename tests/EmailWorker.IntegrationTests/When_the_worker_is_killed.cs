using EmailWorker.IntegrationTests.Support;

namespace EmailWorker.IntegrationTests;

[TestFixture]
public sealed class When_the_worker_is_killed
{
    private const int Count = 300;

    [Test]
    public async Task Should_lose_nothing_after_a_restart()
    {
        await using var context = new WorkerTestContext();
        context.Smtp.Script.ReplyDelay = TimeSpan.FromMilliseconds(5);
        await context.DeclareWorkQueueAsync();
        await context.PublishJsonAsync(Enumerable.Range(0, Count).Select(i => SampleMessages.Simple($"kill-{i}")));

        await using (var first = context.StartWorker())
        {
            Assert.That(await context.Smtp.WaitForMessagesAsync(30, TimeSpan.FromSeconds(60)), Is.True, first.Output);
            first.KillHard();
            Assert.That(await first.WaitForExitAsync(TimeSpan.FromSeconds(10)), Is.Not.Null);
        }
        Assert.That(context.DeliveredMessageIds(), Has.Count.LessThan(Count), "the kill should have come before the end");

        await using var second = context.StartWorker();
        Assert.That(await WorkerTestContext.EventuallyAsync(() => Task.FromResult(context.DeliveredMessageIds().Count == Count), TimeSpan.FromSeconds(120)),
            Is.True, $"delivered {context.DeliveredMessageIds().Count} of {Count}\n{second.Output}");
        Assert.That(await WorkerTestContext.EventuallyAsync(async () => await context.MessageCountAsync(context.WorkQueue) == 0, TimeSpan.FromSeconds(10)), Is.True);
    }
}
