using System.Globalization;
using System.Net;
using EmailWorker.IntegrationTests.Support;

namespace EmailWorker.IntegrationTests;

/// <summary>
/// A pod or unit started while its broker is away (a node restarting, a network not up yet): the health listener must
/// answer before the broker is reached, live while the process waits for it, ready only once it consumes — otherwise a
/// liveness probe restarts the worker in a loop for as long as the broker is away.
/// </summary>
[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_the_worker_starts_while_the_broker_is_away
{
    [Test]
    public async Task Should_answer_live_and_not_ready_while_it_waits_for_the_broker_and_stop_cleanly_on_sigterm()
    {
        await using var context = new WorkerTestContext(ingestDeadLetters: false);
        using var listener = new WorkerListener();
        // Nothing listens on this port: every connection attempt is refused, and the worker keeps trying.
        var nowhere = WorkerListener.FreePort().ToString(CultureInfo.InvariantCulture);
        await using var worker = context.StartWorker(listener.Environment(new Dictionary<string, string>
        {
            ["EMAILWORKER__RABBITMQ__HOST"] = "127.0.0.1",
            ["EMAILWORKER__RABBITMQ__PORT"] = nowhere,
            ["EMAILWORKER__RABBITMQ__ENDPOINTS"] = "",
        }));

        Assert.That(await WorkerTestContext.EventuallyAsync(async () => await listener.StatusOfAsync("/healthz/live") == HttpStatusCode.OK,
            TimeSpan.FromSeconds(30)), Is.True, "live answers while the broker is away\n" + worker.Output);
        Assert.That(await worker.WaitForOutputAsync("is unreachable", TimeSpan.FromSeconds(30)), Is.True, "still waiting for the broker\n" + worker.Output);
        var ready = await listener.StatusOfAsync("/healthz/ready");
        var live = await listener.StatusOfAsync("/healthz/live");

        await worker.TerminateAsync();
        var exitCode = await worker.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Multiple(() =>
        {
            Assert.That(live, Is.EqualTo(HttpStatusCode.OK), "live after the broker refused the first connections");
            Assert.That(ready, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "not ready: nothing is consumed");
            Assert.That(worker.Output, Does.Not.Contain("Worker consuming"));
            Assert.That(exitCode, Is.EqualTo(0), "SIGTERM while waiting for the broker is a clean stop\n" + worker.Output);
        });
    }
}
