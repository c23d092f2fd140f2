using System.Collections.Concurrent;
using EmailWorker.IntegrationTests.Support;
using EmailWorker.SmtpSink;

namespace EmailWorker.IntegrationTests;

/// <summary>
/// A rolling restart during a memory alarm: the stopping worker has delivered to some recipients of its messages and
/// cannot get their retry moves confirmed. Its drain time runs out; the message must not come back whole, or the next
/// worker sends every recipient who accepted it a second copy. And once it got SIGTERM it starts no new delivery: the
/// messages it holds prefetched beyond its concurrency are not sent by it even when its slots free up. The delivered
/// ledger is off here: it would hide a second copy that the stop itself caused.
/// </summary>
[TestFixture]
[Category("Fault")]
[CancelAfter(240_000)]
public sealed class When_the_worker_stops_during_an_alarm
{
    private FixtureBroker _broker = null!;

    [OneTimeSetUp]
    public async Task StartBrokerAsync() => _broker = await FixtureBroker.StartAsync("the test raises a memory alarm on it");

    [OneTimeTearDown]
    public async Task StopBrokerAsync()
    {
        if (_broker is not null)
            await _broker.DisposeAsync();
    }

    /// <summary>Messages in flight at the stop (the worker's concurrency); as many more wait prefetched behind them.</summary>
    private const int Count = 5;

    private static readonly Dictionary<string, string> NoLedger = new() { ["EMAILWORKER__DELIVERY__LEDGER"] = "false" };

    [Test]
    public async Task Should_send_each_recipient_who_accepted_the_mail_exactly_once()
    {
        var node = _broker.Node;
        await using var context = _broker.Context("1s,2s", ingestDeadLetters: false);
        var rcpt = new ConcurrentDictionary<string, int>();
        // Each message: one recipient the relay takes at once, one it refuses with 451 the first time.
        context.Smtp.Script.OnRcptTo = recipient => recipient.StartsWith("later", StringComparison.Ordinal) && rcpt.AddOrUpdate(recipient, 1, (_, n) => n + 1) == 1
            ? new SmtpReply(451, "4.3.0 Try again later")
            : null;
        var expected = new List<(string, string)>();
        var messages = Enumerable.Range(0, 2 * Count).Select(i =>
        {
            expected.Add(($"stopping-{i}", $"now{i}@example.org"));
            expected.Add(($"stopping-{i}", $"later{i}@example.org"));
            return (object)new { messageId = $"stopping-{i}", to = new[] { new { address = $"now{i}@example.org" }, new { address = $"later{i}@example.org" } }, subject = "s", text = "t" };
        }).ToList();
        await context.DeclareWorkQueueAsync();
        await context.PublishJsonAsync(messages);

        await node.ControlAsync("set_vm_memory_high_watermark", "0.000001");
        try
        {
            var stopping = context.StartWorker(new Dictionary<string, string>(NoLedger)
            {
                ["EMAILWORKER__HOSTING__SHUTDOWNTIMEOUT"] = "2s",
                ["EMAILWORKER__RABBITMQ__PUBLISHTIMEOUT"] = "2s",
                ["EMAILWORKER__DELIVERY__CONCURRENCYLIMIT"] = $"{Count}",
            });
            await using (stopping)
            {
                Assert.That(await stopping.WaitForOutputAsync("RabbitMQ blocks publishing", TimeSpan.FromSeconds(60)), Is.True, stopping.Output);
                Assert.That(await WorkerTestContext.EventuallyAsync(() => Task.FromResult(context.CopiesByRecipient().Keys.Count(k => k.StartsWith("now", StringComparison.Ordinal)) == Count),
                    TimeSpan.FromSeconds(60)), Is.True, "every accepting recipient in flight got the mail before the stop\n" + stopping.Output);
                var sentBeforeTheStop = context.DeliveredMessageIds();
                Assert.That(sentBeforeTheStop, Has.Count.EqualTo(Count), "the worker's concurrency: the other messages wait prefetched");

                await stopping.TerminateAsync();
                // The drain time runs out while the alarm lasts: the old worker gave its held messages back whole here.
                Assert.That(await WorkerTestContext.EventuallyAsync(() => Task.FromResult(
                        stopping.Output.Contains("Gave up moving", StringComparison.Ordinal) || stopping.Output.Contains("drain time ran out", StringComparison.Ordinal)),
                    TimeSpan.FromSeconds(60)), Is.True, stopping.Output);
                await node.ControlAsync("set_vm_memory_high_watermark", "0.4");
                Assert.That(await stopping.WaitForExitAsync(TimeSpan.FromSeconds(60)), Is.EqualTo(0), "the stopping worker exits once its moves are confirmed\n" + stopping.Output);
                // Its slots freed as the moves were confirmed; it must not have used them for the messages behind.
                Assert.That(context.DeliveredMessageIds(), Is.EquivalentTo(sentBeforeTheStop), "no delivery started after SIGTERM");
            }

            // The next worker of the rolling restart takes what is left: the retries of the recipients who refused.
            await using var next = await context.StartConsumingAsync(NoLedger);
            Assert.That(await context.Smtp.WaitForMessagesAsync(expected.Count, TimeSpan.FromSeconds(60)), Is.True, next.Output);
            Assert.That(await context.BecomesEmptyAsync(context.WorkQueue, TimeSpan.FromSeconds(30)), Is.True, "ready and unacked both 0");
            foreach (var tier in new[] { "1s", "2s" })
                Assert.That(await context.BecomesEmptyAsync($"{context.Prefix}.retry.{tier}", TimeSpan.FromSeconds(30)), Is.True, $"retry tier {tier} empty");
            Assert.That(Copies.PerRecipient(context), Is.EqualTo(Copies.OnceEach(expected)));
        }
        finally
        {
            await node.ControlAsync("set_vm_memory_high_watermark", "0.4");
        }
    }
}
