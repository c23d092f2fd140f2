using System.Net;
using EmailWorker.IntegrationTests.Support;

namespace EmailWorker.IntegrationTests;

[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_the_relay_is_down_under_a_health_probe
{
    [Test]
    public async Task Should_report_ready_as_degraded_with_200_and_the_breaker_gauge_at_1_then_healthy_once_it_answers()
    {
        await using var context = new WorkerTestContext();
        await context.Smtp.StopAsync();
        using var listener = new WorkerListener();
        await using var worker = context.StartWorker(listener.Environment());
        Assert.That(await worker.WaitForOutputAsync("Worker consuming", TimeSpan.FromSeconds(30)), Is.True, worker.Output);

        await context.PublishJsonAsync([SampleMessages.Simple("breaker-probe")]);
        Assert.That(await worker.WaitForOutputAsync("SMTP relay unusable", TimeSpan.FromSeconds(30)), Is.True, worker.Output);
        var readyWhileOpen = await listener.StatusOfAsync("/healthz/ready");
        var bodyWhileOpen = await listener.BodyOfAsync("/healthz/ready");
        var gaugeWhileOpen = (await listener.ScrapeAsync()).Sum("emailworker_breaker_open");

        context.Smtp.Start();
        Assert.That(await context.Smtp.WaitForMessagesAsync(1, TimeSpan.FromSeconds(60)), Is.True, worker.Output);
        Assert.That(await WorkerTestContext.EventuallyAsync(async () => (await listener.BodyOfAsync("/healthz/ready")).StartsWith("Healthy", StringComparison.Ordinal),
            TimeSpan.FromSeconds(15)), Is.True);
        Assert.Multiple(async () =>
        {
            Assert.That(readyWhileOpen, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(bodyWhileOpen, Does.StartWith("Degraded").And.Contain("circuit breaker is open"));
            Assert.That(gaugeWhileOpen, Is.EqualTo(1));
            Assert.That((await listener.ScrapeAsync()).Sum("emailworker_breaker_open"), Is.Zero);
        });
    }
}
