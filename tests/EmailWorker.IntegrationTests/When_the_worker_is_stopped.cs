using EmailWorker.IntegrationTests.Faults;
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

    [Test]
    public async Task Should_cut_a_send_short_once_the_shutdown_timeout_runs_out_and_give_it_back_with_the_attempt_recorded()
    {
        await using var context = new WorkerTestContext(ingestDeadLetters: false);
        var ledger = new Reconciliation("SIGTERM while the relay holds the final dot's reply past Hosting:ShutdownTimeout (3 s)");
        var dataReplies = 0;
        // The first attempt's final dot gets no reply within the test (the server gives up on it when it stops, never
        // taking that copy): only the drain time running out can end that send. Later attempts are answered at once.
        context.Smtp.Script.DataReplyDelay = _ => Interlocked.Increment(ref dataReplies) == 1 ? TimeSpan.FromMinutes(10) : TimeSpan.Zero;
        await context.DeclareWorkQueueAsync();
        await context.PublishJsonAsync([ledger.Add("held-at-stop", "held-at-stop@example.org")]);
        int? exitCode;
        await using (var stopping = context.StartWorker(new Dictionary<string, string> { ["EMAILWORKER__HOSTING__SHUTDOWNTIMEOUT"] = "3s" }))
        {
            Assert.That(await WorkerTestContext.EventuallyAsync(() => Task.FromResult(Volatile.Read(ref dataReplies) == 1), TimeSpan.FromSeconds(60)),
                Is.True, "the content reached the relay\n" + stopping.Output);
            await stopping.TerminateAsync();
            // Bounds the wait only: the drain time (3 s) and the return's own grace (5 s) end well before.
            exitCode = await stopping.WaitForExitAsync(TimeSpan.FromSeconds(60));
            Assert.That(exitCode, Is.Zero, "a stop whose drain time ran out still exits cleanly\n" + stopping.Output);
        }

        // With no worker consuming, the work queue holds what the stopped one gave back.
        var returned = await QueuePeek.AllAsync(context, [context.WorkQueue]);
        Assert.That(returned.Select(m => m.MessageId), Is.EqualTo(new[] { "held-at-stop" }), "given back to the work queue, once");
        var history = returned[0].History.EnumerateArray().ToList();
        Assert.Multiple(() =>
        {
            Assert.That(returned[0].Header("email-attempt"), Is.EqualTo("1"), "the attempt cut short is counted");
            Assert.That(history.Select(h => h.GetProperty("outcome").GetString()), Is.EqualTo(new[] { "returned" }), returned[0].Header("email-history"));
            Assert.That(context.Smtp.Messages, Is.Empty, "the relay never took the held copy");
        });

        // The next worker sends it: the ledger reports the held recipient in doubt and resends (the default policy).
        await using var next = await context.StartConsumingAsync();
        await FaultRun.AllDeliveredAsync(context, ledger, next, 1, TimeSpan.FromSeconds(60));
        var figures = await ledger.AssertAsync(context);
        Assert.That(figures.Delivered, Is.EqualTo(1));
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
