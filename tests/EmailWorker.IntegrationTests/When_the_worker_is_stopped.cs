using EmailWorker.IntegrationTests.Support;

namespace EmailWorker.IntegrationTests;

[TestFixture]
[Category("Fault")]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_the_worker_is_stopped
{
    private const int Count = 100;

    [Test]
    public async Task Should_settle_in_flight_messages_and_exit_zero_on_sigterm()
    {
        await using var context = new WorkerTestContext(ingestDeadLetters: false);
        context.Smtp.Script.ReplyDelay = TimeSpan.FromMilliseconds(20);
        await using var worker = context.StartWorker();
        Assert.That(await worker.WaitForOutputAsync("Worker consuming", TimeSpan.FromSeconds(30)), Is.True, worker.Output);
        var recipients = Enumerable.Range(0, Count).Select(i => $"stop-{i}@example.org").ToArray();
        await context.PublishJsonAsync(Enumerable.Range(0, Count).Select(i => SampleMessages.Simple($"stop-{i}", recipients[i])));
        Assert.That(await context.Smtp.WaitForMessagesAsync(10, TimeSpan.FromSeconds(30)), Is.True, worker.Output);

        await worker.TerminateAsync();
        var exitCode = await worker.WaitForExitAsync(TimeSpan.FromSeconds(45));

        // With the worker gone nothing is unacked: what is left in the work queue is everything the next worker gets.
        var queued = (await DrainAsync(context)).Select(body => body.GetProperty("to")[0].GetProperty("address").GetString()!).ToList();
        var copies = context.CopiesByRecipient();
        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.Zero, worker.Output);
            Assert.That(worker.Output, Does.Contain("in-flight messages settled"));
            Assert.That(copies.Where(c => c.Value.Count != 1).Select(c => $"{c.Key}: {c.Value.Count}"), Is.Empty, "a graceful stop sends no message twice");
            Assert.That(queued, Is.Unique, "each message is queued once");
            Assert.That(queued.Intersect(copies.Keys), Is.Empty, "a message answered 250 is acked, not requeued");
            Assert.That(copies.Keys.Concat(queued), Is.EquivalentTo(recipients), "every message is either delivered or back in the queue");
        });
    }

    private static async Task<List<System.Text.Json.JsonElement>> DrainAsync(WorkerTestContext context)
    {
        var connection = await context.ConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var bodies = new List<System.Text.Json.JsonElement>();
        while (await channel.BasicGetAsync(context.WorkQueue, autoAck: true) is { } result)
            bodies.Add(System.Text.Json.JsonDocument.Parse(result.Body).RootElement.Clone());
        return bodies;
    }
}
