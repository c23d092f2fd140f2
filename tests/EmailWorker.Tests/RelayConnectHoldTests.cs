using EmailWorker.Delivery;

namespace EmailWorker.Tests;

/// <summary>
/// After a refused connection no new one is opened before the hold: every refusal (also within the 1 s episode that
/// lowers the limit once) holds openings, the hold doubling while refusals continue and back to the first once the relay
/// accepts a connection — so a worker held at its minimum with none open tries once per hold, not once per waiting sender.
/// </summary>
[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
public sealed class RelayConnectHoldTests
{
    private static readonly ThrottleSignal TooManyConnections = new(ThrottleKind.Connections, "421 4.7.0", "greeting");
    private static readonly ThrottleSignal Ses = new(ThrottleKind.Rate, "454 4.7.0", "mail");

    private readonly ManualClock _clock = new();

    private RelayPaceController Controller() => new(new RelayLimits("default", Adaptive: true, MinConnections: 1, InitialConnections: 4, MaxConnections: 128, MaxRatePerSecond: null), _clock);

    [Test]
    public void Should_hold_openings_after_each_refused_connection_doubling_while_refusals_continue()
    {
        var controller = Controller();
        var holds = new List<TimeSpan>();
        for (var i = 0; i < 7; i++)
        {
            controller.Throttled(TooManyConnections, openConnections: 0);
            holds.Add(controller.ConnectHoldUntil - _clock.GetUtcNow());
            _clock.Advance(controller.ConnectHoldUntil - _clock.GetUtcNow());
        }
        Assert.That(holds.Select(h => h.TotalMilliseconds), Is.EqualTo(new[] { 200, 400, 800, 1600, 3200, 5000, 5000 }));
    }

    [Test]
    public void Should_not_lengthen_the_hold_for_refusals_of_attempts_started_before_it()
    {
        var controller = Controller();
        controller.Throttled(TooManyConnections, openConnections: 2);
        var until = controller.ConnectHoldUntil;
        _clock.Advance(TimeSpan.FromMilliseconds(50));

        controller.Throttled(TooManyConnections, openConnections: 2);

        Assert.That(controller.ConnectHoldUntil, Is.EqualTo(until));
    }

    [Test]
    public void Should_hold_for_the_shortest_time_again_once_a_connection_is_accepted()
    {
        var controller = Controller();
        for (var i = 0; i < 4; i++)
        {
            controller.Throttled(TooManyConnections, openConnections: 0);
            _clock.Advance(controller.ConnectHoldUntil - _clock.GetUtcNow());
        }
        controller.Connected();

        controller.Throttled(TooManyConnections, openConnections: 0);

        Assert.That(controller.ConnectHoldUntil - _clock.GetUtcNow(), Is.EqualTo(RelayPaceController.FirstConnectHold));
    }

    [Test]
    public void Should_not_hold_openings_for_a_rate_refusal()
    {
        var controller = Controller();
        controller.Throttled(Ses, openConnections: 4);
        Assert.That(controller.ConnectHoldUntil, Is.EqualTo(DateTimeOffset.MinValue));
    }
}
