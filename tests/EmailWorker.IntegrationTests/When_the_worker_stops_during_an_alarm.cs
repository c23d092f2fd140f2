using System.Collections.Concurrent;
using EmailWorker.IntegrationTests.Support;
using EmailWorker.SmtpSink;

namespace EmailWorker.IntegrationTests;

/// <summary>
/// A rolling restart during a memory alarm: the stopping worker has delivered to some recipients of its messages and
/// cannot get their retry moves confirmed. Its drain time runs out; the message must not come back whole, or the next
/// worker sends every recipient who accepted it a second copy.
/// </summary>
[TestFixture]
[Category("Fault")]
[NonParallelizable]
[CancelAfter(240_000)]
public sealed class When_the_worker_stops_during_an_alarm
{
    private const int Count = 5;

    [Test]
    public async Task Should_send_each_recipient_who_accepted_the_mail_exactly_once()
    {
        var node = BrokerSetUp.Node;
        Assume.That(node, Is.Not.Null, "needs the throwaway node: the test raises a memory alarm on it");
        await using var context = new WorkerTestContext("1s,2s", ingestDeadLetters: false);
        var rcpt = new ConcurrentDictionary<string, int>();
        // Each message: one recipient the relay takes at once, one it refuses with 451 the first time.
        context.Smtp.Script.OnRcptTo = recipient => recipient.StartsWith("later", StringComparison.Ordinal) && rcpt.AddOrUpdate(recipient, 1, (_, n) => n + 1) == 1
            ? new SmtpReply(451, "4.3.0 Try again later")
            : null;
        var expected = new List<(string, string)>();
        var messages = Enumerable.Range(0, Count).Select(i =>
        {
            expected.Add(($"stopping-{i}", $"now{i}@example.org"));
            expected.Add(($"stopping-{i}", $"later{i}@example.org"));
            return (object)new { messageId = $"stopping-{i}", to = new[] { new { address = $"now{i}@example.org" }, new { address = $"later{i}@example.org" } }, subject = "s", text = "t" };
        }).ToList();
        await context.DeclareWorkQueueAsync();
        await context.PublishJsonAsync(messages);

        await node!.ControlAsync("set_vm_memory_high_watermark", "0.000001");
        try
        {
            var stopping = context.StartWorker(new Dictionary<string, string>
            {
                ["EMAILWORKER__HOSTING__SHUTDOWNTIMEOUT"] = "2s",
                ["EMAILWORKER__RABBITMQ__PUBLISHTIMEOUT"] = "2s",
            });
            await using (stopping)
            {
                Assert.That(await stopping.WaitForOutputAsync("RabbitMQ blocks publishing", TimeSpan.FromSeconds(60)), Is.True, stopping.Output);
                Assert.That(await WorkerTestContext.EventuallyAsync(() => Task.FromResult(context.CopiesByRecipient().Keys.Count(k => k.StartsWith("now", StringComparison.Ordinal)) == Count),
                    TimeSpan.FromSeconds(60)), Is.True, "every accepting recipient got the mail before the stop\n" + stopping.Output);

                await stopping.TerminateAsync();
                // The drain time runs out while the alarm lasts: the old worker gave its held messages back whole here.
                Assert.That(await WorkerTestContext.EventuallyAsync(() => Task.FromResult(
                        stopping.Output.Contains("Gave up moving", StringComparison.Ordinal) || stopping.Output.Contains("drain time ran out", StringComparison.Ordinal)),
                    TimeSpan.FromSeconds(60)), Is.True, stopping.Output);
                await node.ControlAsync("set_vm_memory_high_watermark", "0.4");
                Assert.That(await stopping.WaitForExitAsync(TimeSpan.FromSeconds(60)), Is.Not.Null, "the stopping worker exits once its moves are confirmed\n" + stopping.Output);
            }

            // The next worker of the rolling restart takes what is left: the retries of the recipients who refused.
            await using var next = await context.StartConsumingAsync();
            Assert.That(await context.Smtp.WaitForMessagesAsync(2 * Count, TimeSpan.FromSeconds(60)), Is.True, next.Output);
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
