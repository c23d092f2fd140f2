namespace EmailWorker.Configuration;

/// <summary>
/// The retry steps by cause and the jitter over tier queues: plain arithmetic, no clock. A step is a schedule's delay;
/// the tier a retry waits in is one of the step's jitter tiers.
/// </summary>
/// <param name="Default">Any other transient failure (<c>Retry:Schedule</c>), growing.</param>
/// <param name="GreylistMinimum">Greylisting takes the default schedule from its first step at least this long (or the longest).</param>
internal sealed record RetrySchedules(IReadOnlyList<TimeSpan> Default, TimeSpan GreylistMinimum)
{
    public IReadOnlyList<TimeSpan> MailboxFull { get; init; } = Default;

    public IReadOnlyList<TimeSpan> DomainFailure { get; init; } = Default;

    public IReadOnlyList<TimeSpan> ConnectionFailure { get; init; } = Default;

    public RetryJitter Jitter { get; init; } = RetryJitter.None;

    public IReadOnlyList<TimeSpan> Of(RetryCause cause) => cause switch
    {
        RetryCause.MailboxFull => MailboxFull,
        RetryCause.DomainFailure => DomainFailure,
        RetryCause.ConnectionFailure => ConnectionFailure,
        _ => Default,
    };

    /// <summary>
    /// The step after one of <paramref name="lastStep"/> (the first before any): the first step of the cause's schedule
    /// longer than the last one waited, whatever its cause was; null when the schedule has none left.
    /// </summary>
    public TimeSpan? NextStep(RetryCause cause, TimeSpan? lastStep)
    {
        var schedule = Of(cause);
        var minimum = cause == RetryCause.Greylisting ? GreylistMinimum : TimeSpan.Zero;
        TimeSpan? next = null;
        foreach (var step in schedule)
        {
            if (lastStep is { } last && step <= last)
                continue;
            next ??= step;
            if (step >= minimum)
                return step;
        }
        // Greylisting asks for more than the schedule has left: the longest step still ahead.
        return next is null ? null : schedule[^1];
    }

    /// <summary>Every tier queue's delay: each step of every schedule with its jitter tiers, shortest first.</summary>
    public IReadOnlyList<TimeSpan> TierDelays =>
        [.. new[] { Default, MailboxFull, DomainFailure, ConnectionFailure }.SelectMany(s => s).SelectMany(Jitter.TiersOf).Distinct().Order()];
}
