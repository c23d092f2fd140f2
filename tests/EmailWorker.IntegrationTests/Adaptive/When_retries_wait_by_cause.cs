using System.Collections.Concurrent;
using EmailWorker.IntegrationTests.Support;
using EmailWorker.SmtpSink;

namespace EmailWorker.IntegrationTests.Adaptive;

/// <summary>
/// Retry schedules by cause and jitter (issue 21), seen at the SMTP server and in the queues: a full mailbox waits on its
/// long schedule while a greylisted recipient of the same message comes back on the short one, and a burst of deferrals
/// comes back spread over the jitter tiers, not as one burst. Timings are lower bounds of a tier's delay only.
/// </summary>
[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_retries_wait_by_cause
{
    [Test]
    public async Task Should_keep_a_full_mailbox_on_the_long_schedule_while_a_greylisted_recipient_comes_back_on_the_short_one()
    {
        await using var context = new WorkerTestContext("1s,2s", ingestDeadLetters: false) { MoreRetryTiers = ["1h"] };
        var rcpts = new ConcurrentDictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        context.Smtp.Script.OnRcptTo = recipient => (recipient, rcpts.AddOrUpdate(recipient, 1, (_, n) => n + 1)) switch
        {
            ("full@example.org", _) => new SmtpReply(452, "4.2.2 Mailbox full"),
            ("grey@example.org", 1) => new SmtpReply(450, "4.7.1 Greylisted, please try again later"),
            _ => null,
        };
        await using var worker = await context.StartConsumingAsync(new Dictionary<string, string> { ["EMAILWORKER__RETRY__MAILBOXFULL"] = "1h" });

        await context.PublishJsonAsync([new
        {
            messageId = "by-cause",
            to = new[] { new { address = "grey@example.org" }, new { address = "full@example.org" } },
            subject = "s",
            text = "t",
        }]);

        Assert.That(await context.Smtp.WaitForMessagesAsync(1, TimeSpan.FromSeconds(60)), Is.True, worker.Output);
        var longTier = $"{context.Prefix}.retry.1h";
        Assert.That(await WorkerTestContext.EventuallyAsync(async () => await context.MessageCountAsync(longTier) == 1, TimeSpan.FromSeconds(30)), Is.True,
            "the full mailbox waits in the 1h tier");
        foreach (var queue in context.WaitingQueues().Where(q => q != longTier))
            Assert.That(await context.BecomesEmptyAsync(queue, TimeSpan.FromSeconds(30)), Is.True, $"{queue}: {await context.QueueCountsAsync(queue)}");
        var waiting = (await QueuePeek.AllAsync(context, [longTier])).Single();
        Assert.Multiple(() =>
        {
            Assert.That(Copies.PerRecipient(context), Is.EquivalentTo(Copies.OnceEach([("by-cause", "grey@example.org")])),
                "the greylisted recipient once, after its short retry; the full mailbox not yet");
            Assert.That(rcpts, Is.EquivalentTo(new Dictionary<string, int> { ["grey@example.org"] = 2, ["full@example.org"] = 1 }),
                "the full mailbox was asked once: it waits on its own schedule, not the greylisted one's");
            Assert.That(waiting.Header("email-remaining-recipients"), Does.Contain("full@example.org").And.Not.Contain("grey@example.org"));
            Assert.That(waiting.Header("email-retry-delay"), Is.EqualTo("1h"));
        });
    }

    [Test]
    public async Task Should_spread_a_burst_of_deferrals_over_the_jitter_tiers()
    {
        const int burst = 24;
        // One 3 s step spread over 4 tiers: 3 s, 4 s, 5 s, 6 s.
        await using var context = new WorkerTestContext("3s", ingestDeadLetters: false) { MoreRetryTiers = ["4s", "5s", "6s"] };
        var rcptAt = new ConcurrentDictionary<string, ConcurrentQueue<DateTimeOffset>>(StringComparer.OrdinalIgnoreCase);
        context.Smtp.Script.OnRcptTo = recipient =>
        {
            var times = rcptAt.GetOrAdd(recipient, _ => new ConcurrentQueue<DateTimeOffset>());
            times.Enqueue(DateTimeOffset.UtcNow);
            return times.Count == 1 ? new SmtpReply(451, "4.3.0 Temporary failure, try later") : null;
        };
        var expected = Enumerable.Range(0, burst).Select(i => ($"burst-{i}", $"b{i}@example.org")).ToList();
        await context.DeclareWorkQueueAsync();
        await context.PublishJsonAsync(expected.Select(pair => (object)new { messageId = pair.Item1, to = new[] { new { address = pair.Item2 } }, subject = "s", text = "t" }));

        await using var worker = await context.StartConsumingAsync(new Dictionary<string, string>
        {
            ["EMAILWORKER__RETRY__JITTERPERCENT"] = "100",
            ["EMAILWORKER__RETRY__JITTERTIERS"] = "4",
        });

        Assert.That(await context.Smtp.WaitForMessagesAsync(burst, TimeSpan.FromSeconds(90)), Is.True, worker.Output);
        foreach (var queue in context.WaitingQueues().Append(context.DeadQueue))
            Assert.That(await context.BecomesEmptyAsync(queue, TimeSpan.FromSeconds(30)), Is.True, $"{queue}: {await context.QueueCountsAsync(queue)}");
        // Each recipient's wait between its two attempts at the server: its tier's delay and the little it takes to come back.
        var waits = rcptAt.Values.Select(t => t.ElementAt(1) - t.First()).ToArray();
        TestContext.Out.WriteLine($"waits between the attempts: {string.Join(", ", waits.Order().Select(w => w.TotalSeconds.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)))} s");
        Assert.Multiple(() =>
        {
            Assert.That(Copies.PerRecipient(context), Is.EquivalentTo(Copies.OnceEach(expected)), "every recipient exactly once");
            Assert.That(rcptAt.Values.Select(t => t.Count), Is.All.EqualTo(2), "one deferral and one delivery each");
            Assert.That(waits, Is.All.GreaterThanOrEqualTo(TimeSpan.FromSeconds(3)), "no retry before its step: jitter only ever waits longer");
            // Lower bound only: waits all from one tier would differ by less than the 1 s between tiers.
            Assert.That(waits.Max() - waits.Min(), Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(1)),
                "the retries come back from more than one tier, not as the burst they were deferred in");
        });
    }
}
