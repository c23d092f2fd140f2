using EmailWorker.Configuration;
using EmailWorker.Delivery;
using EmailWorker.Diagnostics;
using EmailWorker.SmtpSink;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using System.Diagnostics.Metrics;

namespace EmailWorker.Tests;

/// <summary>
/// The breaker against the scripted SMTP server on loopback: what it does when pausing consumption fails the way
/// RabbitMQ.Client 7.2 fails an RPC that timed out (a <see cref="TaskCanceledException"/> no caller asked for).
/// </summary>
[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
internal sealed class RelayCircuitBreakerTests
{
    [Test]
    public void Should_double_the_first_probe_pause_per_trip_without_a_delivery_from_1_s_up_to_60_s() =>
        Assert.That(Enumerable.Range(1, 9).Select(RelayCircuitBreaker.PauseAfter).Append(RelayCircuitBreaker.PauseAfter(10_000)),
            Is.EqualTo(new[] { 1, 2, 4, 8, 16, 32, 60, 60, 60, 60 }.Select(s => TimeSpan.FromSeconds(s))));

    [Test]
    public async Task Should_keep_probing_and_close_when_pausing_consumption_timed_out(CancellationToken cancellationToken)
    {
        await using var relay = new ScriptedSmtpServer();
        relay.Start();
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new WorkerMetrics(services.GetRequiredService<IMeterFactory>(), new TopologyNames("breaker-test", []));
        var gate = new RelayGate(new RelayLimits("default", Adaptive: false, MinConnections: 1, InitialConnections: 1, MaxConnections: 1, MaxRatePerSecond: null),
            TimeProvider.System, metrics, NullLogger.Instance);
        await using var pool = new SmtpConnectionPool(new SmtpOptions { Host = "127.0.0.1", Port = relay.Port, PoolSize = 1 },
            metrics, gate, NullLogger<SmtpConnectionPool>.Instance);
        await using var breaker = new RelayCircuitBreaker(pool, Options.Create(new DeliveryOptions()), NullLogger<RelayCircuitBreaker>.Instance);
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        breaker.Opened += () => Task.FromException(new TaskCanceledException("basic.cancel timed out"));
        breaker.Closed += () =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };

        breaker.Trip("relay unreachable");

        await closed.Task.WaitAsync(cancellationToken);
        Assert.That(breaker.IsOpen, Is.False, "the first probe the relay accepted closed the breaker");
    }
}
