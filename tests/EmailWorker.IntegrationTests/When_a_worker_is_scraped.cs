using System.Net;
using EmailWorker.IntegrationTests.Support;
using EmailWorker.SmtpSink;

namespace EmailWorker.IntegrationTests;

[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_a_worker_is_scraped
{
    private const string Messages = "emailworker_messages_total";

    [Test]
    public async Task Should_count_each_delivery_deferral_and_dead_letter_exactly_once()
    {
        const int delivered = 5, deferred = 3, dead = 2;
        // A long first tier: the deferred messages stay there for the rest of the test, so each is counted once.
        await using var context = new WorkerTestContext("10m");
        context.Smtp.Script.OnRcptTo = recipient => recipient switch
        {
            _ when recipient.StartsWith("later", StringComparison.Ordinal) => new SmtpReply(451, "4.3.0 Try again later"),
            _ when recipient.StartsWith("gone", StringComparison.Ordinal) => new SmtpReply(550, "5.1.1 User unknown"),
            _ => null,
        };
        using var listener = new WorkerListener();
        await using var worker = context.StartWorker(listener.Environment());
        Assert.That(await worker.WaitForOutputAsync("Worker consuming", TimeSpan.FromSeconds(30)), Is.True, worker.Output);
        await using var events = await EventCollector.StartAsync(context);

        await context.PublishJsonAsync([
            .. Enumerable.Range(0, delivered).Select(i => SampleMessages.Simple($"ok-{i}", $"ok{i}@example.org")),
            .. Enumerable.Range(0, deferred).Select(i => SampleMessages.Simple($"later-{i}", $"later{i}@example.org")),
            .. Enumerable.Range(0, dead).Select(i => SampleMessages.Simple($"gone-{i}", $"gone{i}@example.org")),
        ]);
        Assert.That(await WorkerTestContext.EventuallyAsync(() => Task.FromResult(
            events.Events.Count(e => e.RoutingKey == "email.delivered") == delivered
            && events.Events.Count(e => e.RoutingKey == "email.deferred") == deferred
            && events.Events.Count(e => e.RoutingKey == "email.dead-lettered") == dead), TimeSpan.FromSeconds(60)), Is.True, worker.Output);

        // The scrape may trail the events by its cache (300 ms): wait until it has them all, then compare exactly.
        var scrape = await listener.ScrapeAsync();
        await WorkerTestContext.EventuallyAsync(async () =>
        {
            scrape = await listener.ScrapeAsync();
            return scrape.Sum(Messages) >= delivered + deferred + dead;
        }, TimeSpan.FromSeconds(15));
        var total = delivered + deferred + dead;
        Assert.Multiple(() =>
        {
            Assert.That(scrape.Sum(Messages, ("emailworker_outcome", "delivered"), ("emailworker_class", "delivered")), Is.EqualTo(delivered));
            Assert.That(scrape.Sum(Messages, ("emailworker_outcome", "deferred"), ("emailworker_class", "transient")), Is.EqualTo(deferred));
            Assert.That(scrape.Sum(Messages, ("emailworker_outcome", "dead_lettered"), ("emailworker_class", "permanent")), Is.EqualTo(dead));
            Assert.That(scrape.Sum(Messages), Is.EqualTo(total), "no other outcome");
            Assert.That(scrape.Sum("messaging_client_consumed_messages_total", ("messaging_system", "rabbitmq"), ("messaging_destination_name", context.WorkQueue)),
                Is.EqualTo(total));
            Assert.That(scrape.Sum("messaging_process_duration_seconds_count", ("messaging_destination_name", context.WorkQueue)), Is.EqualTo(total));
            Assert.That(scrape.Sum("emailworker_smtp_attempt_duration_seconds_count", ("emailworker_smtp_reply_class", "2")), Is.EqualTo(delivered));
            Assert.That(scrape.Sum("emailworker_smtp_attempt_duration_seconds_count", ("emailworker_smtp_reply_class", "4")), Is.EqualTo(deferred));
            Assert.That(scrape.Sum("emailworker_smtp_attempt_duration_seconds_count", ("emailworker_smtp_reply_class", "5")), Is.EqualTo(dead));
            Assert.That(scrape.Sum("emailworker_delivery_latency_seconds_count"), Is.EqualTo(delivered));
            Assert.That(scrape.Sum("emailworker_delivery_attempts_sum"), Is.EqualTo(delivered), "each delivered on its first attempt");
            Assert.That(scrape.Samples.Where(s => s.Name == "emailworker_breaker_open").Select(s => s.Value), Is.EqualTo(new[] { 0.0 }),
                string.Join(", ", scrape.Samples.Select(s => s.Name).Distinct()));
            Assert.That(scrape.Has("emailworker_smtp_connections_in_use"), Is.True);
            Assert.That(scrape.Has("emailworker_messages_in_flight"), Is.True);
            Assert.That(scrape.Samples.Any(s => s.Name.StartsWith("dotnet_", StringComparison.Ordinal)), Is.True, "runtime metrics");
            // No recipient, subject or message id in any label.
            Assert.That(scrape.Samples.SelectMany(s => s.Labels.Values).Where(v => v.Contains("example.org", StringComparison.Ordinal) || v.StartsWith("ok-", StringComparison.Ordinal)),
                Is.Empty);
        });
        Assert.That(await listener.StatusOfAsync("/healthz/ready"), Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await listener.StatusOfAsync("/healthz/live"), Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Should_show_its_rates_in_status_with_the_metrics_url()
    {
        await using var context = new WorkerTestContext();
        using var listener = new WorkerListener();
        await using var worker = context.StartWorker(listener.Environment());
        Assert.That(await worker.WaitForOutputAsync("Worker consuming", TimeSpan.FromSeconds(30)), Is.True, worker.Output);
        await context.PublishJsonAsync([.. Enumerable.Range(0, 4).Select(i => SampleMessages.Simple($"status-{i}", $"s{i}@example.org"))]);
        Assert.That(await context.Smtp.WaitForMessagesAsync(4, TimeSpan.FromSeconds(30)), Is.True, worker.Output);
        Assert.That(await WorkerTestContext.EventuallyAsync(async () => (await listener.ScrapeAsync()).Sum(Messages) == 4, TimeSpan.FromSeconds(15)), Is.True);

        var status = await CliRun.RunAsync(context.WorkerEnvironment(), "status", "--json", "--metrics-url", listener.BaseUrl + "/metrics");
        var text = await CliRun.RunAsync(context.WorkerEnvironment(), "status", "--metrics-url", listener.BaseUrl + "/metrics");
        var wrongUrl = await CliRun.RunAsync(context.WorkerEnvironment(), "status", "--metrics-url", "localhost:9464");

        Assert.That(status.ExitCode, Is.Zero, status.Stderr);
        var rates = System.Text.Json.JsonDocument.Parse(status.Stdout).RootElement.GetProperty("worker");
        Assert.Multiple(() =>
        {
            Assert.That(rates.GetProperty("deliveredSinceStart").GetDouble(), Is.EqualTo(4));
            Assert.That(rates.GetProperty("windowSeconds").GetDouble(), Is.GreaterThan(0));
            Assert.That(text.Stdout, Does.Contain("delivered since it started").And.Contain("success rate"), text.Stderr);
            Assert.That(wrongUrl.ExitCode, Is.EqualTo(2));
            Assert.That(wrongUrl.Stderr, Does.Contain("--metrics-url"));
        });
    }
}
