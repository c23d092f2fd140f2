using System.Diagnostics.Metrics;
using EmailWorker.Configuration;
using EmailWorker.Delivery;
using EmailWorker.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace EmailWorker.Tests;

/// <summary>When a relay counts as throttling hard, so that messages whose route allows another relay go there meanwhile.</summary>
[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
internal sealed class RelayGateThrottlingHardTests
{
    private static readonly ThrottleSignal TooManyConnections = new(ThrottleKind.Connections, "421 4.7.0", "connect");

    private ServiceProvider _services = null!;
    private ManualClock _clock = null!;

    [SetUp]
    public void SetUp()
    {
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        _clock = new ManualClock();
    }

    [TearDown]
    public void TearDown() => _services.Dispose();

    private RelayGate Gate(int max) => new(new RelayLimits("ses-eu", Adaptive: true, MinConnections: 1, InitialConnections: max, MaxConnections: max, MaxRatePerSecond: null), _clock,
        new WorkerMetrics(_services.GetRequiredService<IMeterFactory>(), new TopologyNames("gate-test", [])), NullLogger.Instance);

    [Test]
    public void Should_not_count_a_refusal_it_can_still_slow_down_for()
    {
        var gate = Gate(max: 4);

        gate.Throttled(TooManyConnections, openConnections: 3);

        Assert.That((gate.ConnectionLimit, gate.IsThrottlingHard), Is.EqualTo((3, false)));
    }

    [Test]
    public void Should_count_a_refusal_at_its_fewest_connections_for_a_while()
    {
        var gate = Gate(max: 2);
        gate.Throttled(TooManyConnections, openConnections: 1);
        _clock.Advance(TimeSpan.FromSeconds(2));

        gate.Throttled(TooManyConnections, openConnections: 0);
        var right = gate.IsThrottlingHard;
        _clock.Advance(RelayGate.HardThrottleWindow);

        Assert.Multiple(() =>
        {
            Assert.That(right, Is.True, "refused again at 1 connection, the minimum");
            Assert.That(gate.IsThrottlingHard, Is.False, "and usable again once the window passed without a refusal");
        });
    }
}
