namespace EmailWorker.Delivery.Suppression;

/// <summary>
/// How soft failures are counted toward a <c>soft_bounce</c> entry: <paramref name="Threshold"/> messages failing soft
/// within <paramref name="Window"/> of the run's first failure; <paramref name="Now"/> is this failure's time.
/// </summary>
internal sealed record SoftFailureCount(int Threshold, TimeSpan Window, DateTimeOffset Now)
{
    /// <summary>A count whose run started before this has passed its window: the next failure starts a new run.</summary>
    public DateTimeOffset WindowStart => Now - Window;
}
