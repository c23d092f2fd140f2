namespace EmailWorker.Configuration;

/// <summary>Section <c>Retry</c>: the delay tiers a transiently failed message passes through (DESIGN §6).</summary>
internal sealed class RetryOptions
{
    public const string Section = "Retry";

    /// <summary>Comma-separated delays with units; one string so one environment variable replaces the whole schedule.</summary>
    public string Schedule { get; set; } = "30s,2m,10m,30m,1h,2h,4h";

    /// <summary>Greylisting replies (4.7.1) skip ahead to the first tier at least this long; capped by the schedule.</summary>
    public string GreylistMinimum { get; set; } = "5m";

    /// <summary>
    /// How often a message may go back to the work queue for faults not its own (the relay refusing to relay, a 421 at
    /// RCPT…) before it is dead-lettered as <c>system</c>, so nothing circles forever.
    /// </summary>
    public int MaxSystemReturns { get; set; } = 10;

    public IReadOnlyList<TimeSpan> Delays => RetrySchedule.Parse(Schedule);

    public TimeSpan GreylistMinimumValue => Duration.TryParse(GreylistMinimum, out var value) ? value : TimeSpan.FromMinutes(5);
}
