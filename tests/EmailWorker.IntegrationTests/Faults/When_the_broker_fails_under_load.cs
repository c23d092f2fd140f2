using System.Collections.Concurrent;
using EmailWorker.IntegrationTests.Support;
using EmailWorker.SmtpSink;
using EmailWorker.TestSupport;

namespace EmailWorker.IntegrationTests.Faults;

/// <summary>
/// The broker stops, alarms or cancels the consumer while the worker is busy. They run on a node of the fixture's own
/// (<see cref="FixtureBroker"/>) and always put it back in <c>finally</c>; against an external broker they are skipped.
/// </summary>
[TestFixture]
[Category("Fault")]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_the_broker_fails_under_load
{
    private FixtureBroker _broker = null!;

    [OneTimeSetUp]
    public async Task StartBrokerAsync() => _broker = await FixtureBroker.StartAsync("the tests stop, kill or alarm it");

    [OneTimeTearDown]
    public async Task StopBrokerAsync()
    {
        if (_broker is not null)
            await _broker.DisposeAsync();
    }

    private const int PoolSize = 2;

    /// <summary>
    /// Delivery:PrefetchCount in these scenarios — the most deliveries a worker holds, so the most acks a dropped connection can lose. The shipped window (256, for a relay far away)
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

    /// <summary>The figure in docs/failure-behaviour.md for stop_app/start_app under this load: an ack in flight as the connection closes.</summary>
    private const int StopAppDuplicates = 1;

    [Test]
    public async Task Should_ride_through_stop_app_and_start_app_without_a_restart()
    {
        var node = _broker.Node;
        await using var context = _broker.Context(ingestDeadLetters: false);
        var ledger = new Reconciliation("broker stop_app/start_app under load");
        var count = FaultRun.Load(100);
        context.Smtp.Script.ReplyDelay = TimeSpan.FromMilliseconds(10);
        await context.DeclareWorkQueueAsync();
        await context.PublishJsonAsync(FaultRun.Messages(ledger, "stop-app", count));
        await using var worker = context.StartWorker(Scenario);
        Assert.That(await context.Smtp.WaitForMessagesAsync(15, TimeSpan.FromSeconds(60)), Is.True, worker.Output);

        await node.ControlAsync("stop_app");
        try
        {
            Assert.That(await worker.WaitForOutputAsync("lost", TimeSpan.FromSeconds(30)), Is.True, worker.Output);
        }
        finally
        {
            await node.ControlAsync("start_app");
            await node.ControlAsync("await_startup");
        }

        await FaultRun.AllDeliveredAsync(context, ledger, worker, count, TimeSpan.FromSeconds(120));
        Assert.That(await worker.WaitForExitAsync(TimeSpan.Zero), Is.Null, "the worker rode through without exiting\n" + worker.Output);
        // stop_app closes the connection in order: the acks already written reach the broker, so at most the one in flight
        // as it closed is lost and that message comes again (docs/failure-behaviour.md: 0–1).
        var figures = await ledger.AssertAsync(context, allowedDuplicates: StopAppDuplicates);
        Assert.That(figures.Delivered, Is.EqualTo(count));

        // It keeps consuming after the recovery: messages published now are delivered too.
        await context.PublishJsonAsync(FaultRun.Messages(ledger, "after-recovery", 5));
        await FaultRun.AllDeliveredAsync(context, ledger, worker, count + 5, TimeSpan.FromSeconds(60));
        Assert.That((await ledger.AssertAsync(context, allowedDuplicates: StopAppDuplicates)).Delivered, Is.EqualTo(count + 5));
    }

    [Test]
    public async Task Should_ride_through_a_kill_of_the_broker_process_and_its_restart()
    {
        var node = _broker.Node;
        await using var context = _broker.Context(ingestDeadLetters: false);
        var ledger = new Reconciliation("kill -9 of the broker process under load, restarted");
        var count = FaultRun.Load(100);
        context.Smtp.Script.ReplyDelay = TimeSpan.FromMilliseconds(10);
        await context.DeclareWorkQueueAsync();
        await context.PublishJsonAsync(FaultRun.Messages(ledger, "broker-kill", count));
        await using var worker = context.StartWorker(Scenario);
        Assert.That(await context.Smtp.WaitForMessagesAsync(15, TimeSpan.FromSeconds(60)), Is.True, worker.Output);

        await node.KillAndRestartAsync(TimeSpan.FromSeconds(90));

        await FaultRun.AllDeliveredAsync(context, ledger, worker, count, TimeSpan.FromSeconds(150));
        Assert.That(await worker.WaitForExitAsync(TimeSpan.Zero), Is.Null, "the worker rode through without exiting\n" + worker.Output);
        Assert.That(worker.Output, Does.Contain("recovered"));
        // Persistent messages in a quorum queue survive the crash; acks in flight at the kill are lost, so those come again:
        // up to the prefetch window (docs/failure-behaviour.md: 32, every ack in flight died with the node), once each.
        var figures = await ledger.AssertAsync(context, allowedDuplicates: PrefetchWindow);
        Assert.That(figures.Delivered, Is.EqualTo(count));
    }

    [Test]
    public async Task Should_hold_moves_through_a_disk_alarm_and_send_each_recipient_once()
    {
        var node = _broker.Node;
        await using var context = _broker.Context("1s,2s", ingestDeadLetters: false);
        var ledger = new Reconciliation("broker disk alarm (publishers blocked)");
        var count = FaultRun.Load(20);
        // Every message's first attempt is deferred with 451, so its retry needs a publish the alarm blocks.
        var attempts = new ConcurrentDictionary<string, int>();
        context.Smtp.Script.OnRcptTo = recipient => attempts.AddOrUpdate(recipient, 1, (_, n) => n + 1) == 1
            ? new SmtpReply(451, "4.3.0 Try again later")
            : null;
        await context.DeclareWorkQueueAsync();
        await context.PublishJsonAsync(FaultRun.Messages(ledger, "disk", count));

        await node.ControlAsync("set_disk_free_limit", "100000GB");
        try
        {
            await using var worker = context.StartWorker();
            Assert.That(await worker.WaitForOutputAsync("RabbitMQ blocks publishing", TimeSpan.FromSeconds(60)), Is.True, worker.Output);
            // Every first RCPT is refused, so a send would show as a second RCPT for a recipient: its retry, which needs a
            // publish the alarm blocks. The block pauses consuming, so only the messages taken before it were tried; each
            // is held (its move unconfirmed) and every message is still in the work queue, none in a tier.
            QueueCounts? held = null;
            Assert.That(await WorkerTestContext.EventuallyAsync(async () => (held = await context.QueueCountsAsync(context.WorkQueue)) is { } c
                && c.Ready + c.Unacked == count && c.Unacked >= attempts.Count, TimeSpan.FromSeconds(30)), Is.True, $"work queue during the alarm: {held}");
            Assert.Multiple(async () =>
            {
                Assert.That(attempts, Is.Not.Empty, "some messages were tried before the block");
                Assert.That(attempts.Values, Has.All.EqualTo(1), "no retry can be published while the alarm lasts");
                foreach (var tier in context.WaitingQueues().Skip(1))
                    Assert.That(await context.IsEmptyAsync(tier), Is.True, $"{tier} holds nothing while the alarm lasts");
            });
            await node.ControlAsync("set_disk_free_limit", "50MB");

            await FaultRun.AllDeliveredAsync(context, ledger, worker, count, TimeSpan.FromSeconds(90));
            var figures = await ledger.AssertAsync(context);
            Assert.Multiple(() =>
            {
                Assert.That(figures.Delivered, Is.EqualTo(count));
                Assert.That(figures.DeadLettered, Is.Zero);
                Assert.That(worker.Output, Does.Contain("RabbitMQ unblocked publishing"));
            });
        }
        finally
        {
            await node.ControlAsync("set_disk_free_limit", "50MB");
        }
    }

    [Test]
    public async Task Should_exit_1_when_the_work_queue_is_deleted_and_lose_nothing_published_before()
    {
        await using var context = _broker.Context(ingestDeadLetters: false);
        var ledger = new Reconciliation("consumer cancelled by the broker (work queue deleted)");
        var count = FaultRun.Load(20);
        await using (var worker = await context.StartConsumingAsync())
        {
            await context.PublishJsonAsync(FaultRun.Messages(ledger, "before-cancel", count));
            await FaultRun.AllDeliveredAsync(context, ledger, worker, count, TimeSpan.FromSeconds(60));
            var connection = await context.ConnectionAsync();
            await using (var channel = await connection.CreateChannelAsync())
                await channel.QueueDeleteAsync(context.WorkQueue, ifUnused: false, ifEmpty: false);
            Assert.That(await worker.WaitForExitAsync(TimeSpan.FromSeconds(60)), Is.EqualTo(1),
                "a worker that can no longer consume exits 1 so its supervisor restarts it\n" + worker.Output);
            Assert.That(worker.Output, Does.Contain("The broker cancelled the consumer"));
        }

        // Re-declared and consumed again by a restarted worker: what was published before and after is all accounted for.
        await context.DeclareWorkQueueAsync();
        await context.PublishJsonAsync(FaultRun.Messages(ledger, "after-cancel", count));
        await using var restarted = await context.StartConsumingAsync();
        await FaultRun.AllDeliveredAsync(context, ledger, restarted, 2 * count, TimeSpan.FromSeconds(60));
        var figures = await ledger.AssertAsync(context);
        Assert.That(figures.Delivered, Is.EqualTo(2 * count));
    }

    [Test]
    public async Task Should_exit_1_when_the_broker_closes_the_consumer_channel_and_lose_nothing()
    {
        var node = _broker.Node;
        await using var context = _broker.Context(ingestDeadLetters: false);
        var ledger = new Reconciliation("consumer channel closed by the broker (consumer timeout)");
        // The relay holds the reply to the final dot far longer than the broker's consumer timeout, which the node applies
        // to channels opened while it is set: the broker closes the worker's consumer channel (406, acknowledgement timed
        // out), which no connection recovery heals.
        context.Smtp.Script.DataReplyDelay = _ => TimeSpan.FromSeconds(150);
        await context.DeclareWorkQueueAsync();
        await context.PublishJsonAsync([ledger.Add("held-too-long", "held@example.org")]);
        var timeoutBefore = await node.ControlAsync("eval", "application:get_env(rabbit, consumer_timeout).");
        var tickBefore = await node.ControlAsync("eval", "application:get_env(rabbit, channel_tick_interval).");
        int? exitCode;
        await node.ControlAsync("eval", "application:set_env(rabbit, consumer_timeout, 5000).");
        // A channel checks its consumers' timeouts on its tick (a minute by default); channels opened now tick every second,
        // as RabbitMQ's own consumer-timeout tests set it.
        await node.ControlAsync("eval", "application:set_env(rabbit, channel_tick_interval, 1000).");
        try
        {
            // A short drain, so the exit does not wait 30 s for the held transaction.
            await using var worker = context.StartWorker(new Dictionary<string, string> { ["EMAILWORKER__HOSTING__SHUTDOWNTIMEOUT"] = "5s" });
            Assert.That(await worker.WaitForOutputAsync("Worker consuming", TimeSpan.FromSeconds(30)), Is.True, worker.Output);
            // The timeout is the channel's from its start; the tick interval is read again whenever its timer is armed.
            await RestoreEnvironmentAsync(node, "consumer_timeout", timeoutBefore);
            exitCode = await worker.WaitForExitAsync(TimeSpan.FromSeconds(120));
            Assert.That(exitCode, Is.EqualTo(1), "a worker whose consumer channel the broker closed exits 1 so its supervisor restarts it\n" + worker.Output);
            Assert.That(worker.Output, Does.Contain("406"), "the log names the broker's reason");
        }
        finally
        {
            await RestoreEnvironmentAsync(node, "consumer_timeout", timeoutBefore);
            await RestoreEnvironmentAsync(node, "channel_tick_interval", tickBefore);
        }

        // Nothing was acked without a 250: a restarted worker delivers it once the relay answers.
        context.Smtp.Script.DataReplyDelay = _ => TimeSpan.Zero;
        await using var restarted = await context.StartConsumingAsync();
        await FaultRun.AllDeliveredAsync(context, ledger, restarted, 1, TimeSpan.FromSeconds(60));
        // The held transaction's final dot reached the relay: its 250 may come after the worker died, so one copy may be extra.
        var figures = await ledger.AssertAsync(context, allowedDuplicates: 1);
        Assert.That(figures.Delivered, Is.EqualTo(1));
    }

    /// <summary>Puts a setting of the node back as <c>application:get_env</c> reported it (<c>{ok,N}</c> or <c>undefined</c>).</summary>
    private static async Task RestoreEnvironmentAsync(ThrowawayRabbitNode node, string key, string before) =>
        await node.ControlAsync("eval", System.Text.RegularExpressions.Regex.Match(before, @"\{ok,\s*(\d+)\}") is { Success: true } was
            ? $"application:set_env(rabbit, {key}, {was.Groups[1].Value})."
            : $"application:unset_env(rabbit, {key}).");

    [Test]
    public async Task Should_stop_cleanly_on_sigterm_during_connection_recovery_and_make_nothing_poison()
    {
        var node = _broker.Node;
        await using var context = _broker.Context(ingestDeadLetters: false);
        var ledger = new Reconciliation("SIGTERM during connection recovery");
        var count = FaultRun.Load(60);
        context.Smtp.Script.ReplyDelay = TimeSpan.FromMilliseconds(10);
        await context.DeclareWorkQueueAsync(deliveryLimit: 3);
        await context.PublishJsonAsync(FaultRun.Messages(ledger, "sigterm-recovery", count));
        var lowLimit = new Dictionary<string, string> { ["EMAILWORKER__TOPOLOGY__DELIVERYLIMIT"] = "3" };
        int? exitCode;
        await using (var worker = context.StartWorker(lowLimit))
        {
            Assert.That(await context.Smtp.WaitForMessagesAsync(10, TimeSpan.FromSeconds(60)), Is.True, worker.Output);
            await node.ControlAsync("stop_app");
            try
            {
                Assert.That(await worker.WaitForOutputAsync("recovering", TimeSpan.FromSeconds(30)), Is.True, worker.Output);
                await worker.TerminateAsync();
                exitCode = await worker.WaitForExitAsync(TimeSpan.FromSeconds(60));
            }
            finally
            {
                await node.ControlAsync("start_app");
                await node.ControlAsync("await_startup");
            }
            TestContext.Out.WriteLine($"exit code after SIGTERM during recovery: {exitCode}");
            Assert.That(exitCode, Is.Zero, "stops within the shutdown timeout, cleanly\n" + worker.Output);
        }

        // A low delivery limit (3) makes any needless return visible: nothing may reach the dead-letter queue as poison.
        await using var restarted = await context.StartConsumingAsync(lowLimit);
        await FaultRun.AllDeliveredAsync(context, ledger, restarted, count, TimeSpan.FromSeconds(120));
        // What the worker held is returned by the broker, never nacked and never acked without a 250 (docs/failure-behaviour.md: 0 duplicates).
        var figures = await ledger.AssertAsync(context);
        Assert.Multiple(() =>
        {
            Assert.That(figures.Delivered, Is.EqualTo(count));
            Assert.That(figures.DeadLettered, Is.Zero, "no message ends as poison");
        });
    }
}
