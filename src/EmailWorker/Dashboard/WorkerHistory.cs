using EmailWorker.DeadLetters.Views;

namespace EmailWorker.Dashboard;

/// <summary>
/// The last hour of one worker, in memory: <see cref="Minutes"/> one-minute buckets in a ring, filled from the samples the
/// dashboard takes (<see cref="WorkerMetricsWatch"/>). Pure: the sample's time is given, never read from a clock.
/// <list type="bullet">
/// <item>Counts are counter increases between two samples, put in the minute of the later one (a sample every 10 s
/// places them within 10 s).</item>
/// <item>A counter lower than before, or a worker whose start time changed, is a restarted worker: its value is what
/// it counted since, so a restart never makes a count negative.</item>
/// <item>After a gap longer than <see cref="MaxGap"/> (the worker or its listener unreachable) the increase is not
/// drawn: nobody knows in which minute it happened. The sample is the new baseline; minutes without one stay empty.</item>
/// <item>Limits: each relay's value at the last sample of the minute, at most <see cref="MaxRelays"/> relays.</item>
/// </list>
/// Thread-safe: one sampler adds while pages read.
/// </summary>
internal sealed class WorkerHistory
{
    public const int Minutes = 60;
    public const int MaxRelays = 16;
    public static readonly TimeSpan MaxGap = TimeSpan.FromSeconds(90);

    private readonly Lock _lock = new();
    private readonly HistoryMinute?[] _ring = new HistoryMinute?[Minutes];
    private OutcomeTotals? _last;
    private DateTimeOffset? _lastStartedAt;

    /// <summary>The first sample's time: the history starts there (it is not kept across the dashboard's restarts).</summary>
    public DateTimeOffset? Since { get; private set; }

    /// <summary>The latest sample's time.</summary>
    public DateTimeOffset? LastSample { get; private set; }

    /// <summary>
    /// One sample: the worker's counters and, when its <c>/relays</c> answered, the relays' limits and the worker's start
    /// time (null: unknown, only a counter that went down then tells a restart).
    /// </summary>
    public void Add(OutcomeTotals totals, IReadOnlyList<(string Relay, RelayLimitsSample Limits)> relays, DateTimeOffset? workerStartedAt)
    {
        lock (_lock)
        {
            var minute = MinuteOf(totals.At);
            var slot = Slot(minute);
            var bucket = _ring[slot] is { } current && current.Minute == minute ? current : HistoryMinute.Empty(minute);
            if (_last is { } last && totals.At - last.At is var gap && gap > TimeSpan.Zero && gap <= MaxGap)
            {
                var restarted = workerStartedAt is { } started && _lastStartedAt is { } before && started != before;
                double Increase(double was, double now) => restarted || now < was ? now : now - was;
                bucket = bucket with
                {
                    Delivered = bucket.Delivered + Increase(last.Delivered, totals.Delivered),
                    Deferred = bucket.Deferred + Increase(last.Deferred, totals.Deferred),
                    Throttled = bucket.Throttled + Increase(last.Throttled, totals.Throttled),
                    DeadLettered = bucket.DeadLettered + Increase(last.DeadLettered, totals.DeadLettered),
                };
            }
            if (relays.Count > 0)
            {
                var limits = new Dictionary<string, RelayLimitsSample>(bucket.Limits, StringComparer.Ordinal);
                foreach (var (relay, sample) in relays)
                {
                    if (limits.ContainsKey(relay) || limits.Count < MaxRelays)
                        limits[relay] = sample;
                }
                bucket = bucket with { Limits = limits };
            }
            _ring[slot] = bucket;
            if (_last is null || totals.At >= _last.At)
            {
                _last = totals;
                _lastStartedAt = workerStartedAt ?? _lastStartedAt;
                LastSample = totals.At;
            }
            Since ??= totals.At;
        }
    }

    /// <summary>The <see cref="Minutes"/> minutes up to the one of <paramref name="now"/>, oldest first; null where no sample fell.</summary>
    public IReadOnlyList<(DateTimeOffset Minute, HistoryMinute? Bucket)> LastHour(DateTimeOffset now)
    {
        var end = MinuteOf(now);
        var minutes = new (DateTimeOffset, HistoryMinute?)[Minutes];
        lock (_lock)
        {
            for (var i = 0; i < Minutes; i++)
            {
                var minute = end.AddMinutes(i - (Minutes - 1));
                minutes[i] = (minute, _ring[Slot(minute)] is { } bucket && bucket.Minute == minute ? bucket : null);
            }
        }
        return minutes;
    }

    private static DateTimeOffset MinuteOf(DateTimeOffset at)
    {
        var utc = at.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - utc.Ticks % TimeSpan.TicksPerMinute, TimeSpan.Zero);
    }

    private static int Slot(DateTimeOffset minute) => (int)(minute.Ticks / TimeSpan.TicksPerMinute % Minutes);
}
