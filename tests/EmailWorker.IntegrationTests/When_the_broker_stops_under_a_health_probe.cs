using System.Net;
using EmailWorker.IntegrationTests.Support;

namespace EmailWorker.IntegrationTests;

/// <summary>Stops and starts its broker node: one of its own (<see cref="FixtureBroker"/>).</summary>
[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_the_broker_stops_under_a_health_probe
{
    private FixtureBroker _broker = null!;

    [OneTimeSetUp]
    public async Task StartBrokerAsync() => _broker = await FixtureBroker.StartAsync("the test stops it");

    [OneTimeTearDown]
    public async Task StopBrokerAsync()
    {
        if (_broker is not null)
            await _broker.DisposeAsync();
    }

    [Test]
    public async Task Should_turn_ready_503_while_it_is_down_and_200_once_it_is_back_while_live_stays_200()
    {
        var node = _broker.Node;
        await using var context = _broker.Context();
        using var listener = new WorkerListener();
        await using var worker = context.StartWorker(listener.Environment());
        Assert.That(await WorkerTestContext.EventuallyAsync(async () => await listener.StatusOfAsync("/healthz/ready") == HttpStatusCode.OK,
            TimeSpan.FromSeconds(30)), Is.True, worker.Output);

        HttpStatusCode? liveWhileDown;
        string liveBodyWhileDown;
        try
        {
            await node.ControlAsync("stop_app");
            Assert.That(await WorkerTestContext.EventuallyAsync(async () => await listener.StatusOfAsync("/healthz/ready") == HttpStatusCode.ServiceUnavailable,
                TimeSpan.FromSeconds(30)), Is.True, worker.Output);
            liveWhileDown = await listener.StatusOfAsync("/healthz/live");
            liveBodyWhileDown = await listener.BodyOfAsync("/healthz/live");
        }
        finally
        {
            await node.ControlAsync("start_app");
            await node.ControlAsync("await_startup");
        }

        Assert.That(await WorkerTestContext.EventuallyAsync(async () => await listener.StatusOfAsync("/healthz/ready") == HttpStatusCode.OK,
            TimeSpan.FromSeconds(60)), Is.True, worker.Output);
        var liveAfter = await listener.StatusOfAsync("/healthz/live");
        Assert.Multiple(() =>
        {
            Assert.That(liveWhileDown, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(liveBodyWhileDown, Does.StartWith("Healthy"));
            Assert.That(liveAfter, Is.EqualTo(HttpStatusCode.OK));
        });

        // Back to work: a message published now is delivered.
        await context.PublishJsonAsync([SampleMessages.Simple("after-outage")]);
        Assert.That(await context.Smtp.WaitForMessagesAsync(1, TimeSpan.FromSeconds(30)), Is.True, worker.Output);
    }
}
