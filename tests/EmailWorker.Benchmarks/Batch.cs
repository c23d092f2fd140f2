namespace EmailWorker.Benchmarks;

/// <summary>
/// The messages one peer handles in one measurement: a warm-up batch first, then the measured ones, queued in that order.
/// Every peer gets the same sizes, so each runs warm code over the same number of messages in its measured window.
/// </summary>
internal sealed record Batch(string Prefix, int WarmUp, int Measured)
{
    public static Batch Create(int warmUp, int measured) => new($"bench{Guid.NewGuid():N}"[..13], warmUp, measured);

    public int Total => WarmUp + Measured;

    public IEnumerable<string> WarmUpIds => Enumerable.Range(0, WarmUp).Select(i => $"{Prefix}-w{i}");

    public IEnumerable<string> MeasuredIds => Enumerable.Range(0, Measured).Select(i => $"{Prefix}-m{i}");

    /// <summary>What every measured message's recipient starts with (each recipient is its id at bench.test).</summary>
    public string MeasuredRecipients => $"{Prefix}-m";
}
