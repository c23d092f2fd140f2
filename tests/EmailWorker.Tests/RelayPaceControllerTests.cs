using EmailWorker.Delivery;

namespace EmailWorker.Tests;

/// <summary>The controller's arithmetic on recorded sequences of replies, on a clock the test moves.</summary>
[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
internal sealed class RelayPaceControllerTests
{
    private static readonly ThrottleSignal Ses = new(ThrottleKind.Rate, "454 4.7.0", "mail");
    private static readonly ThrottleSignal TooManyConnections = new(ThrottleKind.Connections, "421 4.7.0", "connect");
    private static readonly TimeSpan Fast = TimeSpan.FromMilliseconds(2);

    private ManualClock _clock = null!;

    [SetUp]
    public void StartClock() => _clock = new ManualClock();

    /// <summary>A controller that starts at its ceiling (the start's doublings: <see cref="RelayPaceControllerStartTests"/>).</summary>
    private RelayPaceController Controller(int max = 4, int min = 1, double? maxRate = null, bool adaptive = true) =>
        new(new RelayLimits("default", adaptive, min, InitialConnections: max, max, maxRate), _clock);

    /// <summary><paramref name="count"/> deliveries spread evenly over <paramref name="over"/>, every sender having waited.</summary>
    private static List<LimitChange> Deliver(RelayPaceController controller, ManualClock clock, int count, TimeSpan over, TimeSpan? latency = null,
        bool waitedForConnection = true, bool waitedForRate = true)
    {
        var changes = new List<LimitChange>();
        for (var i = 0; i < count; i++)
        {
            clock.Advance(over / count);
            if (controller.Succeeded(clock.GetUtcNow(), latency ?? Fast, waitedForConnection, waitedForRate) is { } change)
                changes.Add(change);
        }
        return changes;
    }

    [Test]
    public void Should_start_at_the_configured_ceiling_with_no_rate_limit()
    {
        var controller = Controller(max: 6);
        Assert.Multiple(() =>
        {
            Assert.That(controller.ConnectionLimit, Is.EqualTo(6));
            Assert.That(controller.RateLimit, Is.Null);
            Assert.That(controller.LastReason, Is.Null);
        });
    }

    [Test]
    public void Should_lower_connections_to_what_the_relay_holds_after_a_refused_connection()
    {
        var controller = Controller(max: 4);

        var change = controller.Throttled(TooManyConnections, openConnections: 3);

        Assert.Multiple(() =>
        {
            Assert.That(controller.ConnectionLimit, Is.EqualTo(3));
            Assert.That(change!.ToString(), Is.EqualTo("relay default: 4 → 3 connections after 421 4.7.0 at connect"));
            Assert.That(controller.LastReason, Is.EqualTo("4 → 3 connections after 421 4.7.0 at connect"));
        });
    }

    [Test]
    public void Should_keep_the_last_decrease_and_its_time_while_the_limits_ramp_back_up()
    {
        var controller = Controller(max: 4);
        var refusedAt = _clock.GetUtcNow();
        controller.Throttled(TooManyConnections, openConnections: 2);
        _clock.Advance(TimeSpan.FromSeconds(2));

        Deliver(controller, _clock, 40, TimeSpan.FromSeconds(4), waitedForConnection: true);

        Assert.Multiple(() =>
        {
            Assert.That(controller.ConnectionLimit, Is.GreaterThan(2), "it ramped back up");
            Assert.That(controller.LastDecrease, Is.EqualTo(new RelayLimitNote(refusedAt, "4 → 2 connections after 421 4.7.0 at connect")));
            Assert.That(controller.LastChange!.Text, Does.EndWith("while deliveries succeed and work is waiting"));
            Assert.That(controller.LastChange.At, Is.GreaterThan(refusedAt));
        });
    }

    [Test]
    public void Should_lower_once_per_episode_not_once_per_refusal_of_one_burst()
    {
        var controller = Controller(max: 8);
        var changes = new List<LimitChange?>();
        for (var i = 0; i < 5; i++)
        {
            _clock.Advance(TimeSpan.FromMilliseconds(20));
            changes.Add(controller.Throttled(TooManyConnections, openConnections: 2));
        }
        Assert.Multiple(() =>
        {
            Assert.That(changes.Count(c => c is not null), Is.EqualTo(1));
            Assert.That(controller.ConnectionLimit, Is.EqualTo(2));
        });
    }

    [Test]
    public void Should_never_go_below_the_minimum()
    {
        var controller = Controller(max: 4, min: 2);
        controller.Throttled(TooManyConnections, openConnections: 0);
        Assert.That(controller.ConnectionLimit, Is.EqualTo(2));
    }

    [Test]
    public void Should_set_a_rate_below_what_the_relay_accepted_in_the_last_second_after_a_rate_refusal()
    {
        var controller = Controller();
        Deliver(controller, _clock, 40, TimeSpan.FromSeconds(1));

        controller.Throttled(Ses, openConnections: 4);

        Assert.That(controller.RateLimit, Is.EqualTo(40 * RelayPaceController.RateDecrease).Within(1));
    }

    [Test]
    public void Should_follow_a_relay_whose_rate_drops_to_a_quarter()
    {
        var controller = Controller();
        Deliver(controller, _clock, 40, TimeSpan.FromSeconds(1));
        controller.Throttled(Ses, 4);
        // The relay now takes 10 a second; refusals keep coming while the worker sends faster.
        for (var second = 0; second < 5 && controller.RateLimit > 10; second++)
        {
            Deliver(controller, _clock, 10, TimeSpan.FromSeconds(1));
            controller.Throttled(Ses, 4);
        }
        Assert.That(controller.RateLimit, Is.LessThanOrEqualTo(10));
    }

    [Test]
    public void Should_ramp_the_rate_back_up_gradually_never_snapping_to_the_ceiling()
    {
        var controller = Controller(maxRate: 100);
        Deliver(controller, _clock, 20, TimeSpan.FromSeconds(1));
        controller.Throttled(Ses, 4);
        var lowered = controller.RateLimit!.Value;
        var rates = new List<double>();
        for (var second = 0; second < 30; second++)
        {
            Deliver(controller, _clock, (int)controller.RateLimit!.Value, TimeSpan.FromSeconds(1));
            rates.Add(controller.RateLimit!.Value);
        }
        var steps = rates.Zip(rates.Skip(1), (a, b) => (Before: a, Step: b - a)).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(lowered, Is.LessThan(20));
            Assert.That(rates[^1], Is.EqualTo(100), "it grows back to the ceiling");
            Assert.That(steps.First(s => s.Step > 0).Step, Is.LessThanOrEqualTo((20 * RelayPaceController.PlateauShare - lowered) / 2 + 0.1),
                "it closes half the gap to just under the level that was refused");
            Assert.That(steps.Where(s => s.Step > 0).Count(), Is.GreaterThanOrEqualTo(8), "a ramp of many steps, no snap");
            Assert.That(rates, Is.All.LessThanOrEqualTo(100), "the configured ceiling holds");
        });
    }

    [Test]
    public void Should_not_raise_limits_within_the_quiet_time_after_a_decrease()
    {
        var controller = Controller(max: 4);
        controller.Throttled(TooManyConnections, openConnections: 2);
        var changes = Deliver(controller, _clock, 50, RelayPaceController.QuietAfterDecrease - TimeSpan.FromMilliseconds(100));
        Assert.Multiple(() =>
        {
            Assert.That(changes, Is.Empty);
            Assert.That(controller.ConnectionLimit, Is.EqualTo(2));
        });
    }

    [Test]
    public void Should_add_one_connection_at_a_time_while_deliveries_succeed_and_senders_wait()
    {
        var controller = Controller(max: 6);
        controller.Throttled(TooManyConnections, openConnections: 1);
        var limits = new List<int>();
        // The count the relay refused (2) is probed again after RelayPaceController.FirstConnectionProbe.
        for (var second = 0; second < 12; second++)
        {
            Deliver(controller, _clock, 20, TimeSpan.FromSeconds(1));
            limits.Add(controller.ConnectionLimit);
        }
        Assert.Multiple(() =>
        {
            Assert.That(limits[^1], Is.EqualTo(6));
            Assert.That(limits.Zip(limits.Skip(1), (a, b) => b - a), Is.All.LessThanOrEqualTo(1));
        });
    }

    [Test]
    public void Should_not_grow_when_no_sender_waits()
    {
        var controller = Controller(max: 6);
        Deliver(controller, _clock, 30, TimeSpan.FromSeconds(1));
        controller.Throttled(Ses, 1);
        controller.Throttled(TooManyConnections, openConnections: 1);
        var rate = controller.RateLimit;

        var changes = Deliver(controller, _clock, 100, TimeSpan.FromSeconds(10), waitedForConnection: false, waitedForRate: false);

        Assert.Multiple(() =>
        {
            Assert.That(changes, Is.Empty, "an empty backlog is no reason to grow");
            Assert.That(controller.ConnectionLimit, Is.EqualTo(1));
            Assert.That(controller.RateLimit, Is.EqualTo(rate));
        });
    }

    [Test]
    public void Should_stop_increasing_while_latency_is_well_above_its_floor()
    {
        var controller = Controller(max: 8);
        controller.Throttled(TooManyConnections, openConnections: 2);
        Deliver(controller, _clock, 50, TimeSpan.FromSeconds(3), latency: TimeSpan.FromMilliseconds(20));
        // The relay slows down: the smoothed latency needs a few attempts to show it.
        Deliver(controller, _clock, 20, TimeSpan.FromSeconds(1), latency: TimeSpan.FromMilliseconds(200));
        var before = controller.ConnectionLimit;

        var changes = Deliver(controller, _clock, 100, TimeSpan.FromSeconds(5), latency: TimeSpan.FromMilliseconds(200));

        Assert.Multiple(() =>
        {
            Assert.That(controller.LatencyRising, Is.True);
            Assert.That(changes, Is.Empty);
            Assert.That(controller.ConnectionLimit, Is.EqualTo(before));
        });
    }

    [Test]
    public void Should_keep_the_configured_limits_when_adaptation_is_off()
    {
        var controller = Controller(max: 4, adaptive: false);
        Deliver(controller, _clock, 40, TimeSpan.FromSeconds(1));
        Assert.Multiple(() =>
        {
            Assert.That(controller.Throttled(TooManyConnections, 1), Is.Null);
            Assert.That(controller.Throttled(Ses, 1), Is.Null);
            Assert.That(controller.ConnectionLimit, Is.EqualTo(4));
            Assert.That(controller.RateLimit, Is.Null);
        });
    }

    /// <summary>
    /// A relay that takes <paramref name="allowedIn"/>(second since the start) transactions in each second of the clock
    /// and refuses the rest, against the controller for <paramref name="seconds"/>, the transactions started as the gate
    /// starts them: spaced to the rate (a fast worker: every 5 ms while there is none) and never before the hold.
    /// </summary>
    private (int Accepted, int Refused, double Allowed) Relay(RelayPaceController controller, int seconds, Func<int, int> allowedIn)
    {
        var (accepted, refused, allowed) = (0, 0, 0.0);
        var started = _clock.GetUtcNow();
        var nextStart = started;
        var (window, inWindow) = (-1L, 0);
        var end = started.AddSeconds(seconds);
        for (var now = started; now < end; _clock.Advance(TimeSpan.FromMilliseconds(1)), now = _clock.GetUtcNow())
        {
            if (now < nextStart || now < controller.HoldUntil)
                continue;
            nextStart = now + (controller.RateLimit is { } rate ? TimeSpan.FromSeconds(1 / rate) : TimeSpan.FromMilliseconds(5));
            if (now.ToUnixTimeSeconds() != window)
                (window, inWindow) = (now.ToUnixTimeSeconds(), 0);
            if (inWindow++ < allowedIn((int)(now - started).TotalSeconds))
            {
                accepted++;
                controller.Succeeded(now, Fast, waitedForConnection: true, waitedForRate: controller.RateLimit is not null);
            }
            else
            {
                refused++;
                controller.Throttled(Ses, 4);
            }
        }
        for (var second = 0; second < seconds; second++)
            allowed += allowedIn(second);
        return (accepted, refused, allowed);
    }

    [Test]
    public void Should_drain_near_the_relays_rate_with_few_refusals_on_a_recorded_throttling_run()
    {
        var (accepted, refused, allowed) = Relay(Controller(max: 4), 60, _ => 40);

        TestContext.Out.WriteLine($"accepted {accepted} of {allowed} allowed, refused {refused}");
        Assert.Multiple(() =>
        {
            Assert.That(accepted / allowed, Is.GreaterThanOrEqualTo(0.9), "drain ÷ allowed rate");
            Assert.That((double)refused / accepted, Is.LessThanOrEqualTo(0.05), "refusals ÷ messages");
        });
    }

    [Test]
    public void Should_follow_a_rate_halved_and_restored_with_few_refusals()
    {
        var (accepted, refused, allowed) = Relay(Controller(max: 4), 60, second => second is >= 15 and < 30 ? 20 : 40);

        TestContext.Out.WriteLine($"accepted {accepted} of {allowed} allowed, refused {refused}");
        Assert.Multiple(() =>
        {
            Assert.That(accepted / allowed, Is.GreaterThanOrEqualTo(0.85), "throughput ÷ the allowed rate over the run");
            Assert.That((double)refused / accepted, Is.LessThanOrEqualTo(0.05), "refusals ÷ messages");
        });
    }

    [Test]
    public void Should_hold_starts_after_a_rate_refusal_so_the_first_episode_costs_a_few_refusals_not_the_rest_of_the_window()
    {
        // The rate is unknown until the relay first refuses: at 200 starts a second the 40 allowed are spent in 0.2 s.
        var (_, refused, _) = Relay(Controller(max: 4), 2, _ => 40);

        Assert.That(refused, Is.LessThanOrEqualTo(6), "one refusal, then one per doubling hold until the relay's window turns (50 ms … 800 ms)");
    }

    [Test]
    public void Should_double_the_hold_while_starts_after_it_are_refused_and_reset_it_once_one_is_accepted()
    {
        var controller = Controller();
        Deliver(controller, _clock, 40, TimeSpan.FromSeconds(1));
        var holds = new List<TimeSpan>();
        for (var i = 0; i < 4; i++)
        {
            controller.Throttled(Ses, 4);
            holds.Add(controller.HoldUntil - _clock.GetUtcNow());
            _clock.Advance(controller.HoldUntil - _clock.GetUtcNow());
        }
        controller.Throttled(Ses, 4);
        _clock.Advance(TimeSpan.FromMilliseconds(10));
        var refusedDuringHold = controller.Throttled(Ses, 4);
        var holdAfterRefusalDuringHold = controller.HoldUntil;
        _clock.Advance(controller.HoldUntil - _clock.GetUtcNow());
        controller.Succeeded(_clock.GetUtcNow(), Fast, true, true);
        controller.Throttled(Ses, 4);

        Assert.Multiple(() =>
        {
            Assert.That(holds, Is.EqualTo(new[] { 50, 100, 200, 400 }.Select(ms => TimeSpan.FromMilliseconds(ms))));
            Assert.That(refusedDuringHold, Is.Null);
            Assert.That(holdAfterRefusalDuringHold - _clock.GetUtcNow(), Is.LessThanOrEqualTo(TimeSpan.Zero), "a refusal during the hold is of an earlier start: it does not extend it");
            Assert.That(controller.HoldUntil - _clock.GetUtcNow(), Is.EqualTo(RelayPaceController.FirstHold), "an accepted start after the hold: back to the first hold");
        });
    }

    [Test]
    public void Should_close_in_on_just_under_the_refused_level_and_hold_there_before_probing_above()
    {
        var controller = Controller();
        Deliver(controller, _clock, 40, TimeSpan.FromSeconds(1));
        controller.Throttled(Ses, 4);
        var rates = new List<double>();
        for (var second = 0; second < 12; second++)
        {
            Deliver(controller, _clock, (int)controller.RateLimit!.Value, TimeSpan.FromSeconds(1));
            rates.Add(controller.RateLimit!.Value);
        }
        var plateau = 40 * RelayPaceController.PlateauShare;
        Assert.Multiple(() =>
        {
            Assert.That(rates.Take(6), Is.All.LessThanOrEqualTo(plateau), "no overshoot while closing in: " + string.Join(", ", rates));
            Assert.That(rates.Count(r => Math.Abs(r - plateau) < 0.1), Is.GreaterThanOrEqualTo(3), "held at the plateau for a while");
            Assert.That(rates[^1], Is.GreaterThan(40), "then probes above it: a relay that now takes more is found");
            Assert.That(rates.Zip(rates.Skip(1), (a, b) => b - a).Where(d => d > 0).First(), Is.GreaterThan(1), "closes in fast from the decrease");
        });
    }

    [Test]
    public void Should_probe_a_refused_connection_count_again_less_and_less_often()
    {
        var controller = Controller(max: 4);
        controller.Throttled(TooManyConnections, openConnections: 3);
        var probes = 0;
        for (var second = 0; second < 120; second++)
        {
            Deliver(controller, _clock, 20, TimeSpan.FromSeconds(1));
            if (controller.ConnectionLimit == 4)
            {
                probes++;
                controller.Throttled(TooManyConnections, openConnections: 3);
            }
        }
        Assert.Multiple(() =>
        {
            // Waits of 5, 10, 20, 40, 60 s: five probes in two minutes (one every 2 s without the back-off).
            Assert.That(probes, Is.InRange(3, 6));
            Assert.That(controller.ConnectionLimit, Is.EqualTo(3));
        });
    }
}
