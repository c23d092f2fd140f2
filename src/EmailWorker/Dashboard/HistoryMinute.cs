namespace EmailWorker.Dashboard;

/// <summary>
/// One minute of the overview's charts: how many messages were delivered, deferred and dead-lettered and how many
/// throttling replies came in that minute (counter increases between samples), and each relay's limits at the minute's
/// last sample (a null rate: no limit).
/// </summary>
internal sealed record HistoryMinute(
    DateTimeOffset Minute,
    double Delivered,
    double Deferred,
    double Throttled,
    double DeadLettered,
    IReadOnlyDictionary<string, RelayLimitsSample> Limits)
{
    public static HistoryMinute Empty(DateTimeOffset minute) => new(minute, 0, 0, 0, 0, new Dictionary<string, RelayLimitsSample>(StringComparer.Ordinal));
}

/// <summary>A relay's connection and rate limits at one sample.</summary>
internal sealed record RelayLimitsSample(int Connections, double? Rate);
