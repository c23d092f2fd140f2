using System.Net;
using EmailWorker.IntegrationTests.Support;
using EmailWorker.SmtpSink;

namespace EmailWorker.IntegrationTests.Relays;

/// <summary>
/// Two relays, a route that prefers A and falls back to B (issue 21): A goes down mid-run and its traffic moves to B; A
/// comes back and new traffic reaches A again. Every recipient gets the mail exactly once across both servers, nothing
/// is dead-lettered. Evidence from the two SMTP servers and the queues only.
/// </summary>
[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_one_of_two_relays_goes_down
{
    private const int PerPhase = 60;
    private const string Sender = "shop@example.com";

    [Test]
    public async Task Should_move_its_traffic_to_the_other_and_back_once_it_recovers()
    {
        await using var context = new WorkerTestContext(ingestDeadLetters: false);
        var a = context.Smtp;
        await using var b = new ScriptedSmtpServer();
        b.Start();
        using var listener = new WorkerListener();
        await using var worker = await context.StartConsumingAsync(listener.Environment(RelayEnvironment.Of(("a", a), ("b", b)).WithRoute(0, "example.com", "a", "b")));

        var before = await PublishPhaseAsync(context, "before");
        Assert.That(await WorkerTestContext.EventuallyAsync(() => Task.FromResult(a.AcceptedCount >= PerPhase), TimeSpan.FromSeconds(60)),
            Is.True, $"A took {a.AcceptedCount} of {PerPhase}\n{worker.Output}");
        Assert.That(await context.BecomesEmptyAsync(context.WorkQueue), Is.True);

        await a.StopAsync();
        var during = await PublishPhaseAsync(context, "during");
        Assert.That(await WorkerTestContext.EventuallyAsync(() => Task.FromResult(during.All(RelayEnvironment.Recipients(b).Contains)), TimeSpan.FromSeconds(60)),
            Is.True, $"B took {b.AcceptedCount} while A was down\n{worker.Output}");
        // A is still down (its probes fail while it is stopped): the worker says so, per relay, and keeps consuming.
        var (readyStatus, ready) = await listener.GetAsync("/healthz/ready");
        var relays = await listener.BodyOfAsync("/relays");
        var scrape = await listener.ScrapeAsync();
        Assert.Multiple(() =>
        {
            Assert.That(readyStatus, Is.EqualTo(HttpStatusCode.OK), "one relay of two down is no reason to be taken out of service");
            Assert.That(ready, Does.StartWith("Degraded").And.Contain("relay(s) a down"));
            Assert.That(relays, Does.Contain("\"name\":\"a\"").And.Contain("\"name\":\"b\""));
            Assert.That(scrape.Sum("emailworker_relay_breaker_open", ("emailworker_relay", "a")), Is.EqualTo(1));
            Assert.That(scrape.Sum("emailworker_relay_breaker_open", ("emailworker_relay", "b")), Is.Zero);
            Assert.That(scrape.Sum("emailworker_breaker_open"), Is.Zero, "consumption is not paused while B works");
        });

        a.Start();
        // The worker's probe of A succeeds within its backoff (at most 10 s between probes); then A is preferred again.
        Assert.That(await worker.WaitForOutputAsync("SMTP relay answers again", TimeSpan.FromSeconds(60)), Is.True, worker.Output);
        var after = await PublishPhaseAsync(context, "after");
        Assert.That(await WorkerTestContext.EventuallyAsync(() => Task.FromResult(after.All(RelayEnvironment.Recipients(a).Contains)), TimeSpan.FromSeconds(60)),
            Is.True, $"A took {a.AcceptedCount} after it came back\n{worker.Output}");

        // Once nothing is ready or unacked, no further copy can come: the counts below are final.
        Assert.That(await context.BecomesEmptyAsync(context.WorkQueue), Is.True, $"{await context.QueueCountsAsync(context.WorkQueue)}");
        var copies = RelayEnvironment.Recipients(a).Concat(RelayEnvironment.Recipients(b)).GroupBy(r => r, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.OrdinalIgnoreCase);
        Assert.Multiple(async () =>
        {
            Assert.That(copies, Is.EquivalentTo(before.Concat(during).Concat(after).ToDictionary(r => r, _ => 1)),
                "every recipient exactly once, across both servers");
            Assert.That(RelayEnvironment.Recipients(b).Intersect(before.Concat(after)), Is.Empty, "B took nothing while A was up");
            Assert.That(RelayEnvironment.Recipients(a).Intersect(during), Is.Empty, "A took nothing while it was down");
            Assert.That(await context.BecomesEmptyAsync(context.DeadQueue), Is.True, "nothing was dead-lettered");
        });
    }

    private static async Task<string[]> PublishPhaseAsync(WorkerTestContext context, string phase)
    {
        var recipients = Enumerable.Range(0, PerPhase).Select(i => $"{phase}-{i}@example.org").ToArray();
        await context.PublishJsonAsync(recipients.Select((recipient, i) => RelayEnvironment.Message($"{phase}-{i}", Sender, recipient)));
        return recipients;
    }
}
