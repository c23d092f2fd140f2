using EmailWorker.Delivery;

namespace EmailWorker.Tests;

/// <summary>
/// The controller's start on a simulated relay: each connection carries one transaction per <c>perTransaction</c>, up to
/// what the relay (or our CPU) can take in all — the deliveries a 50 ms slice brings are fed to the controller as they
/// would come, every sender having waited (a backlog). From <c>Smtp:Adaptive:InitialConnections</c> the connections double
/// while doubling pays and fall back to the count that paid when it does not.
/// </summary>
[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
public sealed class RelayPaceControllerStartTests
{
    private static readonly TimeSpan Slice = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan RemoteRelay = TimeSpan.FromMilliseconds(20);

    private ManualClock _clock = null!;

    [SetUp]
    public void StartClock() => _clock = new ManualClock();

    private RelayPaceController Controller(int initial, int max, bool adaptive = true) =>
        new(new RelayLimits("default", adaptive, MinConnections: 1, initial, max, MaxRatePerSecond: null), _clock);

    /// <summary>Runs the relay for <paramref name="duration"/>; the connection limits seen after each slice.</summary>
    private List<int> Run(RelayPaceController controller, TimeSpan duration, TimeSpan perTransaction, double capacityPerSecond,
        bool waited = true)
    {
        var limits = new List<int>();
        var carry = 0.0;
        for (var elapsed = TimeSpan.Zero; elapsed < duration; elapsed += Slice)
        {
            var perSecond = Math.Min(controller.ConnectionLimit / perTransaction.TotalSeconds, capacityPerSecond);
            carry += perSecond * Slice.TotalSeconds;
            var count = (int)carry;
            carry -= count;
            for (var i = 0; i < count; i++)
            {
                _clock.Advance(Slice / (count + 1));
                controller.Succeeded(_clock.GetUtcNow(), perTransaction, waitedForConnection: waited, waitedForRate: false);
            }
            _clock.Advance(Slice - Slice / (count + 1) * count);
            limits.Add(controller.ConnectionLimit);
        }
        return limits;
    }

    [Test]
    public void Should_start_at_the_initial_connections_within_the_bounds()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Controller(initial: 4, max: 128).ConnectionLimit, Is.EqualTo(4));
            Assert.That(Controller(initial: 4, max: 3).ConnectionLimit, Is.EqualTo(3), "never above the ceiling");
            Assert.That(Controller(initial: 4, max: 128, adaptive: false).ConnectionLimit, Is.EqualTo(128), "not adapting: the configured size");
        });
    }

    [Test]
    public void Should_double_to_the_ceiling_within_seconds_at_a_remote_relay_while_each_doubling_pays()
    {
        var controller = Controller(initial: 4, max: 128);

        var limits = Run(controller, TimeSpan.FromSeconds(3), RemoteRelay, capacityPerSecond: double.MaxValue);

        Assert.Multiple(() =>
        {
            Assert.That(limits.Distinct(), Is.EqualTo(new[] { 4, 8, 16, 32, 64, 128 }), "doubling, one step at a time");
            Assert.That(limits.IndexOf(128) * Slice, Is.LessThanOrEqualTo(TimeSpan.FromSeconds(1.6)), "a step to open, a step to judge, five times");
            Assert.That(controller.LastChange!.Text, Is.EqualTo("64 → 128 connections while deliveries succeed and work is waiting (start: doubling)"));
        });
    }

    [Test]
    public void Should_go_back_to_the_count_that_paid_when_a_doubling_brings_no_more_deliveries()
    {
        // 16 connections' worth is all the relay (or our CPU) takes: 16 → 32 brings nothing.
        var controller = Controller(initial: 4, max: 128);

        var limits = Run(controller, TimeSpan.FromSeconds(3), RemoteRelay, capacityPerSecond: 16 / RemoteRelay.TotalSeconds);

        Assert.Multiple(() =>
        {
            Assert.That(limits.Max(), Is.EqualTo(32), "the doubling that did not pay was tried once");
            Assert.That(limits[^1], Is.InRange(16, 19), "back to 16, then one more a second at most");
            Assert.That(controller.LastDecrease!.Text, Does.StartWith("32 → 16 connections as doubling the connections did not pay"));
        });
    }

    [Test]
    public void Should_not_double_while_nobody_waits_for_a_connection()
    {
        var controller = Controller(initial: 4, max: 128);

        var limits = Run(controller, TimeSpan.FromSeconds(2), RemoteRelay, capacityPerSecond: double.MaxValue, waited: false);

        Assert.That(limits, Is.All.EqualTo(4));
    }

    [Test]
    public void Should_end_the_start_at_the_first_throttling_reply()
    {
        var controller = Controller(initial: 4, max: 128);
        Run(controller, TimeSpan.FromMilliseconds(300), RemoteRelay, capacityPerSecond: double.MaxValue);
        var before = controller.ConnectionLimit;

        controller.Throttled(new ThrottleSignal(ThrottleKind.Connections, "421 4.7.0", "connect"), openConnections: before);
        var limits = Run(controller, TimeSpan.FromSeconds(3), RemoteRelay, capacityPerSecond: double.MaxValue);

        Assert.Multiple(() =>
        {
            Assert.That(before, Is.EqualTo(8), "one doubling before the refusal");
            Assert.That(limits.Zip(limits.Skip(1)).All(pair => pair.Second - pair.First <= 1), Is.True,
                "after a refusal the connections grow by one at a time");
        });
    }
}
