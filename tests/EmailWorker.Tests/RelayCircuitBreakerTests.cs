using EmailWorker.Configuration;
using EmailWorker.Delivery;
using EmailWorker.Diagnostics;
using EmailWorker.SmtpSink;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace EmailWorker.Tests;

/// <summary>
/// The breaker against the scripted SMTP server on loopback: the pause before its first probe, and what it does when pausing
/// consumption fails the way RabbitMQ.Client 7.2 fails an RPC that timed out (a <see cref="TaskCanceledException"/> no
/// caller asked for).
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
    public async Task Should_wait_longer_before_the_first_probe_of_each_trip_in_a_row_and_1_s_again_after_a_delivery(CancellationToken cancellationToken)
    {
        await using var relay = new ScriptedSmtpServer();
        relay.Start();
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var timers = new ManualTimers();
        await using var pool = Pool(services, relay);
        await using var breaker = new RelayCircuitBreaker(pool, Options.Create(new DeliveryOptions()), timers, NullLogger<RelayCircuitBreaker>.Instance);
        var closings = new SemaphoreSlim(0);
        breaker.Closed += () =>
        {
            closings.Release();
            return Task.CompletedTask;
        };
        var pauses = new List<TimeSpan>();
        var probesBeforeEachPauseEnded = new List<int>();

        // Each trip: the breaker asks for its pause, the relay sees no probe until that pause is over, the probe closes it.
        async Task TripAndProbeAsync()
        {
            breaker.Trip("relay unreachable");
            var pause = await timers.NextAsync(cancellationToken);
            pauses.Add(pause.DueTime);
            probesBeforeEachPauseEnded.Add(Probes(relay));
            pause.Fire();
            await closings.WaitAsync(cancellationToken);
        }

        for (var trip = 0; trip < 3; trip++)
            await TripAndProbeAsync();
        breaker.RecordDelivery();
        await TripAndProbeAsync();

        Assert.Multiple(() =>
        {
            Assert.That(pauses, Is.EqualTo(new[] { 1, 2, 4, 1 }.Select(s => TimeSpan.FromSeconds(s))), "doubling per trip without a delivery, back to 1 s after one");
            Assert.That(probesBeforeEachPauseEnded, Is.EqualTo(new[] { 0, 1, 2, 3 }), "no probe reached the relay before its pause was over");
            Assert.That(Probes(relay), Is.EqualTo(4), "one probe per trip: each was accepted and closed the breaker");
        });
    }

    [Test]
    public async Task Should_keep_probing_and_close_when_pausing_consumption_timed_out(CancellationToken cancellationToken)
    {
        await using var relay = new ScriptedSmtpServer();
        relay.Start();
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        await using var pool = Pool(services, relay);
        await using var breaker = new RelayCircuitBreaker(pool, Options.Create(new DeliveryOptions()), TimeProvider.System,
            NullLogger<RelayCircuitBreaker>.Instance);
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

    private static SmtpConnectionPool Pool(ServiceProvider services, ScriptedSmtpServer relay)
    {
        var metrics = new WorkerMetrics(services.GetRequiredService<IMeterFactory>(), new TopologyNames("breaker-test", []));
        var gate = new RelayGate(new RelayLimits("default", Adaptive: false, MinConnections: 1, InitialConnections: 1, MaxConnections: 1, MaxRatePerSecond: null),
            TimeProvider.System, metrics, NullLogger.Instance);
        return new SmtpConnectionPool(new SmtpOptions { Host = "127.0.0.1", Port = relay.Port, PoolSize = 1 },
            metrics, gate, NullLogger<SmtpConnectionPool>.Instance);
    }

    /// <summary>The breaker's probes the relay saw: each starts a transaction (MAIL FROM) and abandons it.</summary>
    private static int Probes(ScriptedSmtpServer relay) => relay.Commands.Count(c => c.Verb == "MAIL");

    /// <summary>Real time for everything but timers: each timer is handed to the test, which fires it when it says.</summary>
    private sealed class ManualTimers : TimeProvider
    {
        private readonly ConcurrentQueue<HeldTimer> _made = new();
        private readonly SemaphoreSlim _available = new(0);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = new HeldTimer(callback, state, dueTime);
            _made.Enqueue(timer);
            _available.Release();
            return timer;
        }

        /// <summary>The next timer made, once one is.</summary>
        public async Task<HeldTimer> NextAsync(CancellationToken cancellationToken)
        {
            await _available.WaitAsync(cancellationToken);
            return _made.TryDequeue(out var timer) ? timer : throw new InvalidOperationException("a timer was counted but not kept");
        }

        public sealed class HeldTimer(TimerCallback callback, object? state, TimeSpan dueTime) : ITimer
        {
            public TimeSpan DueTime => dueTime;

            public void Fire() => callback(state);

            public bool Change(TimeSpan dueTime, TimeSpan period) => true;

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }
}
