namespace EmailWorker.Configuration;

/// <summary>
/// Spreads the retries of one step over <paramref name="Tiers"/> tier queues whose delays run evenly from the step's
/// own up to <paramref name="Fraction"/> longer, so a burst of deferrals does not come back as one burst. Each tier is a
/// queue of its own with one TTL: RabbitMQ expires only a queue's head, so per-message TTLs in one queue would wait
/// behind each other (DESIGN §10). Never shorter than the step: a greylisting minimum still holds.
/// </summary>
internal sealed record RetryJitter(double Fraction, int Tiers)
{
    public static readonly RetryJitter None = new(0, 1);

    /// <summary>The delays of the tier queues of <paramref name="step"/>, shortest (the step itself) first.</summary>
    public IEnumerable<TimeSpan> TiersOf(TimeSpan step) => Enumerable.Range(0, Tiers).Select(k => TierAt(step, k)).Distinct();

    /// <summary>The tier a retry of <paramref name="step"/> waits in, for a uniform <paramref name="draw"/> in [0, 1).</summary>
    public TimeSpan Tier(TimeSpan step, double draw) => TierAt(step, Math.Clamp((int)(draw * Tiers), 0, Tiers - 1));

    /// <summary>The k-th tier: the step plus k/(Tiers−1) of the spread, in whole seconds from a minute up, else whole milliseconds.</summary>
    private TimeSpan TierAt(TimeSpan step, int k)
    {
        if (k == 0 || Tiers < 2 || Fraction <= 0)
            return step;
        var unit = step >= TimeSpan.FromMinutes(1) ? TimeSpan.TicksPerSecond : TimeSpan.TicksPerMillisecond;
        var extra = step.Ticks * Fraction * k / (Tiers - 1);
        return step + TimeSpan.FromTicks((long)Math.Round(extra / unit) * unit);
    }
}
