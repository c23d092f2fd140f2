using EmailWorker.IntegrationTests.Support;

namespace EmailWorker.IntegrationTests.Faults;

/// <summary>kill -9 of the worker at the two points of a transaction where a message is most at risk.</summary>
[TestFixture]
[Category("Fault")]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_the_worker_dies_mid_transaction
{
    private const int PoolSize = 2;

    /// <summary>
    /// Delivery:PrefetchCount in these scenarios — the most deliveries a worker holds, so the most acks a kill can lose. The shipped window (256, for a relay far away)
    /// would only widen the bounds that hold with the ledger off; these scenarios keep the window they were measured with.
    /// </summary>
    private const int PrefetchWindow = 32;

    /// <summary>The worker of these scenarios: <see cref="PoolSize"/> connections, <see cref="PrefetchWindow"/> deliveries held.</summary>
    private static Dictionary<string, string> Scenario => new()
    {
        ["EMAILWORKER__SMTP__POOLSIZE"] = $"{PoolSize}",
        ["EMAILWORKER__DELIVERY__PREFETCHCOUNT"] = $"{PrefetchWindow}",
        ["EMAILWORKER__DELIVERY__CONCURRENCYLIMIT"] = "8",
    };

    [Test]
    public async Task Should_resend_a_message_killed_during_data_once_and_lose_nothing()
    {
        await using var context = new WorkerTestContext(ingestDeadLetters: false);
        var ledger = new Reconciliation("kill -9 of the worker during DATA");
        var count = FaultRun.Load(20);
        var messages = FaultRun.Messages(ledger, "kill-data", count);
        // The 5th message's data is held at the server before its reply: the worker is killed while it waits for it.
        using var inData = new SemaphoreSlim(0);
        context.Smtp.Script.DataReplyDelay = recipients =>
        {
            if (recipients[0] != "kill-data-4@example.org")
                return TimeSpan.Zero;
            inData.Release();
            return TimeSpan.FromSeconds(5);
        };
        await context.DeclareWorkQueueAsync();
        await context.PublishJsonAsync(messages);

        await using (var first = context.StartWorker(Scenario))
        {
            Assert.That(await inData.WaitAsync(TimeSpan.FromSeconds(60), TestContext.CurrentContext.CancellationToken), Is.True, first.Output);
            first.KillHard();
            Assert.That(await first.WaitForExitAsync(TimeSpan.FromSeconds(10)), Is.Not.Null);
        }
        context.Smtp.Script.DataReplyDelay = _ => TimeSpan.Zero;

        await using var second = await context.StartConsumingAsync();
        await FaultRun.AllDeliveredAsync(context, ledger, second, count, TimeSpan.FromSeconds(90));
        // The killed transaction had sent its final dot: the relay may take it though its 250 never reaches anyone (the
        // sink does, as many relays would), so it is the ambiguous case and may come twice. Messages sent on the other
        // pooled connection meanwhile are done but may still be unacked: the worker holds acks behind a slower delivery
        // for a moment to batch them (PendingAcks), so a kill loses the acks of up to a prefetch window (32) of 250s,
        // and those come again, with the same Message-ID. Seen: 3 to 5.
        var figures = await ledger.AssertAsync(context, allowedDuplicates: PrefetchWindow);
        Assert.That(Copies.PerRecipient(context)[("kill-data-4", "kill-data-4@example.org")], Is.InRange(1, 2), "the killed transaction");
        Assert.That(figures.Delivered, Is.EqualTo(count));
    }

    [Test]
    public async Task Should_resend_a_message_killed_between_its_250_and_its_ack_with_the_same_message_id()
    {
        await using var context = new WorkerTestContext(ingestDeadLetters: false);
        var ledger = new Reconciliation("kill -9 of the worker between 250 and ack");
        var count = FaultRun.Load(30);
        var messages = FaultRun.Messages(ledger, "kill-ack", count);
        // The kill is sent the moment the server has taken the 10th message (before its 250 is on the wire): the worker
        // dies with that 250 read or not, and its ack unsent.
        WorkerProcess? first = null;
        context.Smtp.Script.OnData = (_, recipients, _) =>
        {
            if (recipients[0] == "kill-ack-9@example.org")
                Volatile.Read(ref first)?.KillHard();
            return null;
        };
        await context.DeclareWorkQueueAsync();
        await context.PublishJsonAsync(messages);

        await using (first = context.StartWorker(Scenario))
        {
            Assert.That(await first.WaitForExitAsync(TimeSpan.FromSeconds(60)), Is.Not.Null, first.Output);
        }
        context.Smtp.Script.OnData = (_, _, _) => null;

        await using var second = await context.StartConsumingAsync();
        await FaultRun.AllDeliveredAsync(context, ledger, second, count, TimeSpan.FromSeconds(90));
        var figures = await ledger.AssertAsync(context, allowedDuplicates: PrefetchWindow);
        Assert.Multiple(() =>
        {
            Assert.That(figures.Delivered, Is.EqualTo(count));
            Assert.That(Copies.PerRecipient(context)[("kill-ack-9", "kill-ack-9@example.org")], Is.EqualTo(2),
                "the server took it and the ack died with the worker: at-least-once sends it again");
        });
    }
}
