using System.Collections.Concurrent;
using EmailWorker.IntegrationTests.Support;
using EmailWorker.SmtpSink;

namespace EmailWorker.IntegrationTests;

/// <summary>
/// A memory alarm blocks every publisher on the node, so a worker cannot confirm the moves of messages it has partly
/// delivered. It must hold them until the broker unblocks, not give them back to be sent to everyone again.
/// </summary>
[TestFixture]
[Category("Fault")]
[CancelAfter(240_000)]
public sealed class When_the_broker_blocks_publishers
{
    private FixtureBroker _broker = null!;

    [OneTimeSetUp]
    public async Task StartBrokerAsync() => _broker = await FixtureBroker.StartAsync("the tests raise a memory alarm on it and restart it");

    [OneTimeTearDown]
    public async Task StopBrokerAsync()
    {
        if (_broker is not null)
            await _broker.DisposeAsync();
    }

    [Test]
    public async Task Should_hold_partly_delivered_messages_and_send_each_recipient_the_mail_once()
    {
        var node = _broker.Node;
        await using var context = _broker.Context("1s,2s");
        var rcpt = new ConcurrentDictionary<string, int>();
        // Each message: one recipient the relay takes at once, one it refuses with 451 the first time.
        context.Smtp.Script.OnRcptTo = recipient => recipient.StartsWith("later", StringComparison.Ordinal) && rcpt.AddOrUpdate(recipient, 1, (_, n) => n + 1) == 1
            ? new SmtpReply(451, "4.3.0 Try again later")
            : null;
        var expected = new List<(string, string)>();
        var messages = Enumerable.Range(0, 20).Select(i =>
        {
            expected.Add(($"partial-{i}", $"now{i}@example.org"));
            expected.Add(($"partial-{i}", $"later{i}@example.org"));
            return (object)new { messageId = $"partial-{i}", to = new[] { new { address = $"now{i}@example.org" }, new { address = $"later{i}@example.org" } }, subject = "s", text = "t" };
        }).ToList();
        await context.DeclareWorkQueueAsync();
        await context.PublishJsonAsync(messages);

        await node.ControlAsync("set_vm_memory_high_watermark", "0.000001");
        try
        {
            await using var worker = context.StartWorker();
            Assert.That(await worker.WaitForOutputAsync("RabbitMQ blocks publishing", TimeSpan.FromSeconds(60)), Is.True, worker.Output);
            // Held for 30 s of alarm: long enough for any confirm timeout to have given up and requeued before.
            await Task.Delay(TimeSpan.FromSeconds(30), TestContext.CurrentContext.CancellationToken);
            var duringAlarm = Copies.PerRecipient(context);
            var heldDuringAlarm = await context.QueueCountsAsync(context.WorkQueue);
            await node.ControlAsync("set_vm_memory_high_watermark", "0.4");

            Assert.That(await context.Smtp.WaitForMessagesAsync(40, TimeSpan.FromSeconds(90)), Is.True, worker.Output);
            Assert.That(await context.BecomesEmptyAsync(context.WorkQueue, TimeSpan.FromSeconds(30)), Is.True, "ready and unacked both 0");
            Assert.Multiple(() =>
            {
                // Which messages were taken before the block paused consuming depends on timing; what cannot vary: some
                // were partly delivered (else nothing was held), only their first recipients, once each, and every message
                // stayed in the work queue (its move unconfirmed, neither acked nor given back to be sent again).
                var nowPairs = expected.Where(p => p.Item2.StartsWith("now", StringComparison.Ordinal)).ToHashSet();
                Assert.That(duringAlarm, Is.Not.Empty, "some messages were partly delivered before the block");
                Assert.That(duringAlarm.Keys, Is.SubsetOf(nowPairs), "no deferred recipient can be retried while the broker blocks");
                Assert.That(duringAlarm.Values, Has.All.EqualTo(1), "nobody got a second copy while the broker blocked");
                Assert.That(heldDuringAlarm is { } held ? held.Ready + held.Unacked : -1, Is.EqualTo(20),
                    $"every message still in the work queue during the alarm ({heldDuringAlarm})");
                Assert.That(Copies.PerRecipient(context), Is.EqualTo(Copies.OnceEach(expected)));
            });
        }
        finally
        {
            await node.ControlAsync("set_vm_memory_high_watermark", "0.4");
        }
    }

    /// <summary>
    /// The node restarts during the alarm and comes back with normal limits: the recovered connection is never told
    /// "unblocked" (it was never blocked), so a worker waiting for that would stay paused for good.
    /// </summary>
    [Test]
    public async Task Should_consume_again_when_the_node_restarts_during_the_alarm_with_normal_limits()
    {
        var node = _broker.Node;
        await using var context = _broker.Context(ingestDeadLetters: false);
        await context.DeclareWorkQueueAsync();
        // Delivered during the alarm: its status event is the publish the broker blocks the worker's connection on.
        await context.PublishJsonAsync([SampleMessages.Simple("before-restart", "before@example.org")]);
        await node.ControlAsync("set_vm_memory_high_watermark", "0.000001");
        try
        {
            await using var worker = context.StartWorker();
            Assert.That(await worker.WaitForOutputAsync("RabbitMQ blocks publishing", TimeSpan.FromSeconds(60)), Is.True, worker.Output);
            Assert.That(await context.BecomesEmptyAsync(context.WorkQueue, TimeSpan.FromSeconds(30)), Is.True, "the first message is acked before the restart");

            // Restarted, the node has its configured watermark again (the alarm was set at run time).
            await node.KillAndRestartAsync(TimeSpan.FromSeconds(90));
            var after = Enumerable.Range(0, 5).Select(i => ($"after-restart-{i}", $"after{i}@example.org")).ToArray();
            await context.PublishJsonAsync(after.Select(m => SampleMessages.Simple(m.Item1, m.Item2)));

            Assert.That(await context.Smtp.WaitForMessagesAsync(1 + after.Length, TimeSpan.FromSeconds(60)), Is.True,
                $"delivered {context.Smtp.Messages.Count} of {1 + after.Length}\n{worker.Output}");
            Assert.That(await context.BecomesEmptyAsync(context.WorkQueue, TimeSpan.FromSeconds(30)), Is.True, "ready and unacked both 0");
            Assert.That(Copies.PerRecipient(context), Is.EqualTo(Copies.OnceEach(after.Append(("before-restart", "before@example.org")))));
        }
        finally
        {
            await node.ControlAsync("set_vm_memory_high_watermark", "0.4");
        }
    }
}
