using EmailWorker.IntegrationTests.Support;
using EmailWorker.SmtpSink;

namespace EmailWorker.IntegrationTests.Relays;

/// <summary>
/// Routes by sender domain send each domain's mail through its own relay only; a message's <c>relay</c> field wins over
/// the route; a relay name that is not configured is refused with its code (issue 21). Evidence from the SMTP servers and
/// the dead-letter queue.
/// </summary>
[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_messages_are_routed_to_relays
{
    private const int PerDomain = 30;

    [Test]
    public async Task Should_send_each_through_its_route_or_the_relay_it_names_and_refuse_an_unknown_one()
    {
        await using var context = new WorkerTestContext(ingestDeadLetters: false);
        var x = context.Smtp;
        await using var y = new ScriptedSmtpServer();
        y.Start();
        using var listener = new WorkerListener();
        await using var worker = await context.StartConsumingAsync(listener.Environment(RelayEnvironment.Of(("x", x), ("y", y))
            .WithRoute(0, "x.example", "x").WithRoute(1, "y.example", "y")));

        var fromX = Enumerable.Range(0, PerDomain).Select(i => $"from-x-{i}@example.org").ToArray();
        var fromY = Enumerable.Range(0, PerDomain).Select(i => $"from-y-{i}@example.org").ToArray();
        var namedY = Enumerable.Range(0, 10).Select(i => $"named-y-{i}@example.org").ToArray();
        await context.PublishJsonAsync(
            fromX.Select((r, i) => RelayEnvironment.Message($"x-{i}", "shop@x.example", r))
                .Concat(fromY.Select((r, i) => RelayEnvironment.Message($"y-{i}", "shop@Y.example", r)))
                .Concat(namedY.Select((r, i) => RelayEnvironment.Message($"named-{i}", "shop@x.example", r, relay: "y")))
                .Append(RelayEnvironment.Message("unknown-relay", "shop@x.example", "nobody@example.org", relay: "z")));

        var expected = fromX.Length + fromY.Length + namedY.Length;
        Assert.That(await WorkerTestContext.EventuallyAsync(() => Task.FromResult(x.AcceptedCount + y.AcceptedCount >= expected), TimeSpan.FromSeconds(60)),
            Is.True, $"{x.AcceptedCount} + {y.AcceptedCount} of {expected}\n{worker.Output}");
        Assert.That(await WorkerTestContext.EventuallyAsync(async () => await context.MessageCountAsync(context.DeadQueue) == 1, TimeSpan.FromSeconds(30)),
            Is.True, worker.Output);
        Assert.That(await context.BecomesEmptyAsync(context.WorkQueue), Is.True, $"{await context.QueueCountsAsync(context.WorkQueue)}");
        var letters = await DeadLetter.DrainAsync(context);
        // The scrape may trail by its cache (300 ms): wait until it has every transaction.
        var scrape = await listener.ScrapeAsync();
        await WorkerTestContext.EventuallyAsync(async () =>
        {
            scrape = await listener.ScrapeAsync();
            return scrape.Sum("emailworker_smtp_attempt_duration_seconds_count", ("emailworker_smtp_reply_class", "2")) >= expected;
        }, TimeSpan.FromSeconds(15));
        Assert.Multiple(() =>
        {
            Assert.That(scrape.Sum("emailworker_smtp_attempt_duration_seconds_count", ("emailworker_smtp_reply_class", "2"), ("emailworker_relay", "x")),
                Is.EqualTo(fromX.Length), "the transactions are counted per relay");
            Assert.That(scrape.Sum("emailworker_smtp_attempt_duration_seconds_count", ("emailworker_smtp_reply_class", "2"), ("emailworker_relay", "y")),
                Is.EqualTo(fromY.Length + namedY.Length));
            Assert.That(scrape.Samples.Where(s => s.Name == "emailworker_relay_connections_limit").Select(s => s.Labels["emailworker_relay"]),
                Is.EquivalentTo(new[] { "x", "y" }), "each relay's limits");
            Assert.That(RelayEnvironment.Recipients(x), Is.EquivalentTo(fromX), "relay x took exactly its domain's mail");
            Assert.That(RelayEnvironment.Recipients(y), Is.EquivalentTo(fromY.Concat(namedY)), "relay y its domain's and the mail that named it");
            Assert.That(letters.Select(l => l.Header("email-failure-reason")), Has.Exactly(1).StartsWith("unknown_relay"), "an unknown relay is refused with its code");
        });
    }
}
