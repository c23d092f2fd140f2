using EmailWorker.IntegrationTests.Support;

namespace EmailWorker.IntegrationTests;

[TestFixture]
[Category("Fault")]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_the_worker_is_killed
{
    private const int Count = 300;

    [Test]
    public async Task Should_lose_nothing_after_a_restart()
    {
        await using var context = new WorkerTestContext();
        context.Smtp.Script.ReplyDelay = TimeSpan.FromMilliseconds(5);
        await context.DeclareWorkQueueAsync();
        var recipients = Enumerable.Range(0, Count).Select(i => $"kill-{i}@example.org").ToArray();
        await context.PublishJsonAsync(Enumerable.Range(0, Count).Select(i => SampleMessages.Simple($"kill-{i}", recipients[i])));

        DateTimeOffset killedAt;
        await using (var first = context.StartWorker())
        {
            Assert.That(await context.Smtp.WaitForMessagesAsync(30, TimeSpan.FromSeconds(60)), Is.True, first.Output);
            first.KillHard();
            Assert.That(await first.WaitForExitAsync(TimeSpan.FromSeconds(10)), Is.Not.Null);
            killedAt = DateTimeOffset.UtcNow;
        }
        Assert.That(context.CopiesByRecipient(), Has.Count.LessThan(Count), "the kill should have come before the end");

        await using var second = context.StartWorker();
        Assert.That(await WorkerTestContext.EventuallyAsync(() => Task.FromResult(context.CopiesByRecipient().Count == Count), TimeSpan.FromSeconds(120)),
            Is.True, $"delivered {context.CopiesByRecipient().Count} of {Count}\n{second.Output}");
        // Once nothing is ready or unacked, no further copy can come: the counts below are final.
        Assert.That(await context.BecomesEmptyAsync(context.WorkQueue), Is.True, $"{await context.QueueCountsAsync(context.WorkQueue)}");
        var copies = context.CopiesByRecipient();
        var resent = copies.Where(c => c.Value.Count > 1).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(copies.Keys, Is.EquivalentTo(recipients), "lost = 0");
            Assert.That(copies.Values.Select(c => c.Count), Is.All.InRange(1, 2), "a kill resends a message at most once");
            // A second copy is only allowed for a message the relay took before the kill (its ack died with the worker),
            // and it carries the same Message-ID, so the duplicate is recognisable.
            Assert.That(resent.Where(c => c.Value[0].ReceivedAt > killedAt).Select(c => c.Key), Is.Empty);
            Assert.That(resent.Where(c => c.Value.Select(m => WorkerTestContext.MessageIdOf(m.Data)).Distinct().Count() != 1).Select(c => c.Key), Is.Empty);
        });
    }
}
