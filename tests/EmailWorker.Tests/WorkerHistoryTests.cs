using EmailWorker.Dashboard;
using EmailWorker.DeadLetters.Views;

namespace EmailWorker.Tests;

/// <summary>The overview's last hour: counter increases per minute, restarts, gaps and the 60-minute bound.</summary>
[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
public sealed class WorkerHistoryTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 3, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset WorkerStarted = Start.AddHours(-1);

    private static OutcomeTotals Totals(TimeSpan after, double delivered, double deferred = 0, double throttled = 0, double dead = 0) =>
        new(Start + after, delivered, deferred, dead, 0, 0, 0, null, throttled);

    private static (string, RelayLimitsSample)[] Relay(int connections, double? rate) => [("default", new RelayLimitsSample(connections, rate))];

    private static HistoryMinute? MinuteAt(WorkerHistory history, DateTimeOffset now, DateTimeOffset minute) =>
        history.LastHour(now).Single(m => m.Minute == minute).Bucket;

    [Test]
    public void Should_count_counter_increases_in_the_minute_of_the_later_sample()
    {
        var history = new WorkerHistory();
        history.Add(Totals(TimeSpan.FromSeconds(5), 100, 1, 0, 2), Relay(4, null), WorkerStarted);
        history.Add(Totals(TimeSpan.FromSeconds(15), 130, 3, 9, 2), Relay(3, 8.5), WorkerStarted);
        history.Add(Totals(TimeSpan.FromSeconds(65), 150, 3, 10, 3), Relay(4, 9), WorkerStarted);

        var now = Start.AddSeconds(70);
        var first = MinuteAt(history, now, Start)!;
        var second = MinuteAt(history, now, Start.AddMinutes(1))!;
        Assert.Multiple(() =>
        {
            Assert.That((first.Delivered, first.Deferred, first.Throttled, first.DeadLettered), Is.EqualTo((30d, 2d, 9d, 0d)), "the first sample is the baseline");
            Assert.That((second.Delivered, second.Deferred, second.Throttled, second.DeadLettered), Is.EqualTo((20d, 0d, 1d, 1d)));
            Assert.That(first.Limits["default"], Is.EqualTo(new RelayLimitsSample(3, 8.5)), "the minute's last sample");
            Assert.That(second.Limits["default"], Is.EqualTo(new RelayLimitsSample(4, 9)));
            Assert.That(history.Since, Is.EqualTo(Start.AddSeconds(5)));
        });
    }

    [Test]
    public void Should_count_what_a_restarted_worker_counted_since_never_a_negative_bar()
    {
        var history = new WorkerHistory();
        history.Add(Totals(TimeSpan.FromSeconds(0), 500, 20, 40), [], WorkerStarted);
        history.Add(Totals(TimeSpan.FromSeconds(10), 7, 1, 0), [], WorkerStarted.AddMinutes(61));

        var minute = MinuteAt(history, Start.AddSeconds(10), Start)!;
        Assert.That((minute.Delivered, minute.Deferred, minute.Throttled), Is.EqualTo((7d, 1d, 0d)));
    }

    [Test]
    public void Should_tell_a_restart_by_the_start_time_even_when_the_new_counters_are_higher()
    {
        var history = new WorkerHistory();
        history.Add(Totals(TimeSpan.FromSeconds(0), 5), [], WorkerStarted);
        history.Add(Totals(TimeSpan.FromSeconds(10), 12), [], WorkerStarted.AddMinutes(60));

        Assert.That(MinuteAt(history, Start.AddSeconds(10), Start)!.Delivered, Is.EqualTo(12));
    }

    [Test]
    public void Should_tell_a_restart_by_a_counter_that_went_down_when_the_start_time_is_unknown()
    {
        var history = new WorkerHistory();
        history.Add(Totals(TimeSpan.FromSeconds(0), 50, throttled: 9), [], null);
        history.Add(Totals(TimeSpan.FromSeconds(10), 3, throttled: 1), [], null);

        var minute = MinuteAt(history, Start.AddSeconds(10), Start)!;
        Assert.That((minute.Delivered, minute.Throttled), Is.EqualTo((3d, 1d)));
    }

    [Test]
    public void Should_not_draw_an_increase_across_a_gap_and_leave_the_minutes_without_a_sample_empty()
    {
        var history = new WorkerHistory();
        history.Add(Totals(TimeSpan.FromSeconds(0), 10), Relay(4, null), WorkerStarted);
        // Unreachable for five minutes: 600 were delivered somewhere in them.
        history.Add(Totals(TimeSpan.FromMinutes(5), 610), Relay(4, null), WorkerStarted);
        history.Add(Totals(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(10), 615), Relay(4, null), WorkerStarted);

        var hour = history.LastHour(Start.AddMinutes(5).AddSeconds(10));
        Assert.Multiple(() =>
        {
            Assert.That(hour.Where(m => m.Minute > Start && m.Minute < Start.AddMinutes(5)).Select(m => m.Bucket), Is.All.Null);
            Assert.That(MinuteAt(history, Start.AddMinutes(5), Start.AddMinutes(5))!.Delivered, Is.EqualTo(5), "only the increase after the gap");
            Assert.That(hour.Sum(m => m.Bucket?.Delivered ?? 0), Is.EqualTo(5));
        });
    }

    [Test]
    public void Should_keep_sixty_minutes_and_forget_older_ones()
    {
        var history = new WorkerHistory();
        for (var minute = 0; minute <= 90; minute++)
            history.Add(Totals(TimeSpan.FromMinutes(minute), minute * 10), Relay(1 + minute % 4, minute), WorkerStarted);

        var now = Start.AddMinutes(90);
        var hour = history.LastHour(now);
        Assert.Multiple(() =>
        {
            Assert.That(hour, Has.Count.EqualTo(WorkerHistory.Minutes));
            Assert.That(hour[0].Minute, Is.EqualTo(Start.AddMinutes(31)));
            Assert.That(hour[^1].Minute, Is.EqualTo(now));
            Assert.That(hour.Select(m => m.Bucket?.Delivered), Is.All.EqualTo(10), "one sample a minute, 10 more each");
            Assert.That(hour.Select(m => m.Bucket!.Limits["default"].Rate), Is.EqualTo(Enumerable.Range(31, 60).Select(m => (double?)m)));
            // A minute that fell out of the hour is not shown again when its slot comes round.
            Assert.That(history.LastHour(Start.AddMinutes(150)).Select(m => m.Bucket), Is.All.Null);
        });
    }

    [Test]
    public void Should_keep_at_most_sixteen_relays_a_minute()
    {
        var history = new WorkerHistory();
        var relays = Enumerable.Range(0, 40).Select(i => ($"relay-{i}", new RelayLimitsSample(1, null))).ToArray();
        history.Add(Totals(TimeSpan.Zero, 0), relays, WorkerStarted);

        Assert.That(MinuteAt(history, Start, Start)!.Limits, Has.Count.EqualTo(WorkerHistory.MaxRelays));
    }

    [Test]
    public void Should_read_the_throttling_replies_of_every_relay_from_the_metrics()
    {
        const string text = """
            emailworker_relay_throttled_total{otel_scope_name="EmailWorker",emailworker_relay="default",emailworker_smtp_reply="454 4.7.0",emailworker_smtp_stage="mail"} 9 1764446400000
            emailworker_relay_throttled_total{otel_scope_name="EmailWorker",emailworker_relay="default",emailworker_smtp_reply="421 4.7.0",emailworker_smtp_stage="connect"} 2
            emailworker_relay_connections_limit{otel_scope_name="EmailWorker",emailworker_relay="default"} 3
            """;

        Assert.That(OutcomeTotals.Parse(text, Start).Throttled, Is.EqualTo(11));
    }
}
