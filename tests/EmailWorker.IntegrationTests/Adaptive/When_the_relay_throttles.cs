using System.Collections.Concurrent;
using System.Diagnostics;
using EmailWorker.IntegrationTests.Support;

namespace EmailWorker.IntegrationTests.Adaptive;

/// <summary>
/// A backlog against a relay that allows R transactions a second and C connections at once (issue 21): with the shipped
/// defaults and a short retry schedule, every recipient gets the mail exactly once, nothing is dead-lettered, the breaker
/// never opens (no probe reaches the relay) and every queue ends empty. Evidence from the SMTP server and the queues only.
/// </summary>
[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_the_relay_throttles
{
    private const int Messages = 400;
    private const string Sender = "shop@example.com";

    /// <summary>The breaker's probe starts a transaction with <c>Delivery:DefaultFrom</c> (noreply@example.com in the tests); messages carry <see cref="Sender"/>.</summary>
    private static ConcurrentBag<string> CountProbes(WorkerTestContext context)
    {
        var probes = new ConcurrentBag<string>();
        context.Smtp.Script.OnMailFrom = sender =>
        {
            if (!string.Equals(sender, Sender, StringComparison.OrdinalIgnoreCase))
                probes.Add(sender);
            return null;
        };
        return probes;
    }

    private static async Task<List<(string MessageId, string Recipient)>> PublishBacklogAsync(WorkerTestContext context, string label)
    {
        await context.DeclareWorkQueueAsync();
        var expected = Enumerable.Range(0, Messages).Select(i => ($"{label}-{i}", $"r{i}@example.org")).ToList();
        await context.PublishJsonAsync(expected.Select(pair => (object)new
        {
            messageId = pair.Item1,
            from = new { address = Sender },
            to = new[] { new { address = pair.Item2 } },
            subject = "backlog",
            text = "hello",
        }));
        return expected;
    }

    private static async Task AssertEverythingSettledAsync(WorkerTestContext context, WorkerProcess worker, List<(string, string)> expected,
        ConcurrentBag<string> probes)
    {
        var delivered = await context.Smtp.WaitForMessagesAsync(Messages, TimeSpan.FromSeconds(120));
        var figures = $"{context.Smtp.AcceptedCount} of {Messages} delivered, {await context.MessageCountAsync(context.DeadQueue)} dead-lettered; refused " +
            $"{context.Smtp.Limits.RateRefusals} over the rate, {context.Smtp.Limits.ConnectionRefusals} connections; {probes.Count} probes";
        TestContext.Out.WriteLine(figures);
        Assert.That(delivered, Is.True, $"{figures}\n{worker.Output[^Math.Min(worker.Output.Length, 4000)..]}");
        var queues = new[] { context.WorkQueue, context.DeadQueue }.Concat(context.RetrySchedule.Split(',').Select(d => $"{context.Prefix}.retry.{d}"));
        foreach (var queue in queues)
            Assert.That(await context.BecomesEmptyAsync(queue, TimeSpan.FromSeconds(30)), Is.True, $"{queue}: {await context.QueueCountsAsync(queue)}");
        Assert.Multiple(() =>
        {
            Assert.That(Copies.PerRecipient(context), Is.EquivalentTo(Copies.OnceEach(expected)), "every recipient exactly once");
            Assert.That(probes, Is.Empty, "no breaker probe reached the relay: the breaker never opened");
            Assert.That(context.Smtp.Limits.RateRefusals + context.Smtp.Limits.ConnectionRefusals, Is.GreaterThan(0), "the relay did throttle");
        });
    }

    [Test]
    public async Task Should_deliver_a_backlog_once_each_without_dead_letters_or_opening_the_breaker()
    {
        await using var context = new WorkerTestContext("1s,2s,3s", ingestDeadLetters: false);
        context.Smtp.Limits.MaxTransactionsPerSecond = 40;
        context.Smtp.Limits.MaxConnections = 3;
        var probes = CountProbes(context);
        var expected = await PublishBacklogAsync(context, "backlog");

        var clock = Stopwatch.StartNew();
        await using var worker = await context.StartConsumingAsync();
        await AssertEverythingSettledAsync(context, worker, expected, probes);

        TestContext.Out.WriteLine($"throttling relay (40/s, 3 connections), {Messages} messages: delivered {context.Smtp.AcceptedCount}, " +
            $"refused {context.Smtp.Limits.RateRefusals} over the rate and {context.Smtp.Limits.ConnectionRefusals} connections, " +
            $"peak {context.Smtp.Limits.PeakConnections} connections, all settled after {clock.Elapsed.TotalSeconds:0.0} s");
    }

    [Test]
    public async Task Should_follow_a_limit_dropped_mid_run_and_use_more_again_once_it_is_restored()
    {
        await using var context = new WorkerTestContext("1s,2s,3s", ingestDeadLetters: false);
        // 20 ms per reply, as across a network: one connection carries ~16 transactions a second, so 40 a second needs three.
        context.Smtp.Script.ReplyDelay = TimeSpan.FromMilliseconds(20);
        var limits = context.Smtp.Limits;
        limits.MaxTransactionsPerSecond = 40;
        limits.MaxConnections = 3;
        var probes = CountProbes(context);
        var restored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Dropped at 50 and restored at 100, so 300 messages (≥ 12 s at the restored rate) are left to show the ramp back:
        // with 200 left, a run on the loaded CI machine once drained them on one connection before the controller opened a
        // second after the drop's refused connections.
        context.Smtp.Received += _ =>
        {
            var accepted = context.Smtp.AcceptedCount;
            if (accepted == 50)
            {
                limits.MaxTransactionsPerSecond = 10;
                limits.MaxConnections = 1;
            }
            else if (accepted == 100)
            {
                limits.MaxTransactionsPerSecond = 40;
                limits.MaxConnections = 3;
                limits.ResetPeak();
                restored.TrySetResult();
            }
        };
        var expected = await PublishBacklogAsync(context, "dropped");

        await using var worker = await context.StartConsumingAsync();
        await AssertEverythingSettledAsync(context, worker, expected, probes);

        Assert.That(restored.Task.IsCompleted, Is.True);
        TestContext.Out.WriteLine($"limit dropped (40/s, 3 → 10/s, 1) and restored, {Messages} messages: delivered {context.Smtp.AcceptedCount}, " +
            $"refused {limits.RateRefusals} over the rate and {limits.ConnectionRefusals} connections; after the restore at most " +
            $"{limits.PeakConnections} connections and {limits.PeakTransactionsPerSecond} transactions in one second");
        Assert.Multiple(() =>
        {
            Assert.That(limits.PeakConnections, Is.GreaterThan(1), "after the restore the worker used more connections than the dropped limit");
            Assert.That(limits.PeakTransactionsPerSecond, Is.GreaterThan(10), "after the restore the worker sent faster than the dropped rate");
        });
    }

    [Test]
    public async Task Should_show_the_throttling_and_the_limits_it_chose_on_the_metrics_endpoint()
    {
        await using var context = new WorkerTestContext("1s,2s,3s", ingestDeadLetters: false);
        context.Smtp.Limits.MaxTransactionsPerSecond = 10;
        var probes = CountProbes(context);
        await context.DeclareWorkQueueAsync();
        var expected = Enumerable.Range(0, 60).Select(i => ($"scraped-{i}", $"s{i}@example.org")).ToList();
        await context.PublishJsonAsync(expected.Select(pair => (object)new
        {
            messageId = pair.Item1,
            from = new { address = Sender },
            to = new[] { new { address = pair.Item2 } },
            subject = "scraped",
            text = "hello",
        }));
        using var listener = new WorkerListener();
        await using var worker = context.StartWorker(listener.Environment());

        Assert.That(await context.Smtp.WaitForMessagesAsync(expected.Count, TimeSpan.FromSeconds(90)), Is.True, worker.Output);
        var refusals = context.Smtp.Limits.RateRefusals;
        var scrape = await listener.ScrapeAsync();
        // The scrape may trail by its cache: wait until it counts every refusal the sink sent.
        await WorkerTestContext.EventuallyAsync(async () =>
        {
            scrape = await listener.ScrapeAsync();
            return scrape.Sum("emailworker_relay_throttled_total") >= refusals;
        }, TimeSpan.FromSeconds(15));
        TestContext.Out.WriteLine(string.Join(", ", scrape.Samples.Where(x => x.Name.StartsWith("emailworker_relay", StringComparison.Ordinal))
            .Select(x => $"{x.Name}{{{string.Join(",", x.Labels.Select(l => $"{l.Key}={l.Value}"))}}} {x.Value}")));
        Assert.Multiple(() =>
        {
            Assert.That(refusals, Is.GreaterThan(0), "the relay did throttle");
            Assert.That(Copies.PerRecipient(context), Is.EquivalentTo(Copies.OnceEach(expected)));
            Assert.That(scrape.Sum("emailworker_relay_throttled_total", ("emailworker_relay", "default"), ("emailworker_smtp_reply", "454 4.7.0"),
                ("emailworker_smtp_stage", "mail")), Is.EqualTo(refusals), "one count per refusal the sink sent");
            Assert.That(scrape.Sum("emailworker_relay_rate_limit_per_second", ("emailworker_relay", "default")), Is.GreaterThan(0).And.LessThanOrEqualTo(30),
                "a rate limit was set from what the relay accepted");
            Assert.That(scrape.Sum("emailworker_relay_connections_limit", ("emailworker_relay", "default")), Is.GreaterThanOrEqualTo(4),
                "no connection was refused: never below the start (Smtp:Adaptive:InitialConnections)");
            Assert.That(probes, Is.Empty);
        });
        // GET /relays: the same limits, and the decrease with the reason it was logged with.
        var (status, body) = await listener.GetAsync("/relays");
        using var relays = System.Text.Json.JsonDocument.Parse(body);
        var relay = relays.RootElement.GetProperty("relays")[0];
        var decrease = relay.GetProperty("lastDecrease").GetProperty("text").GetString()!;
        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(System.Net.HttpStatusCode.OK));
            Assert.That(relay.GetProperty("name").GetString(), Is.EqualTo("default"));
            Assert.That(relay.GetProperty("connectionLimit").GetInt32(),
                Is.EqualTo((int)scrape.Sum("emailworker_relay_connections_limit", ("emailworker_relay", "default"))), "the limit the metrics show");
            Assert.That(relay.GetProperty("maxConnections").GetInt32(), Is.EqualTo(128), "the shipped ceiling, Smtp:PoolSize");
            Assert.That(relay.GetProperty("rateLimit").GetDouble(), Is.GreaterThan(0).And.LessThanOrEqualTo(30));
            Assert.That(relay.GetProperty("breakerOpen").GetBoolean(), Is.False);
            // The first decrease starts from "unlimited"; the controller may close in on the relay's level with a second one.
            Assert.That(decrease, Does.Match(@"^(unlimited|\d+(\.\d+)?) → \d+(\.\d+)? transactions/s after 454 4\.7\.0 at mail"));
            Assert.That(worker.Output, Does.Contain(decrease[..decrease.IndexOf(" after ", StringComparison.Ordinal)]), "the limits as logged");
        });
    }
}
