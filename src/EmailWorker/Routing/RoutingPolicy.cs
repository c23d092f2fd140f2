namespace EmailWorker.Routing;

/// <summary>The settings the planner decides by: plain values, so the planner stays a pure function.</summary>
/// <param name="RetryDelays">The retry tiers' delays, growing.</param>
/// <param name="GreylistMinimum">Greylisting skips to the first tier at least this long (or the longest).</param>
/// <param name="MaxSystemReturns">Returns to the work queue for faults not the message's own before it is dead-lettered as system.</param>
/// <param name="Worker">This worker's name in the history entries.</param>
internal sealed record RoutingPolicy(IReadOnlyList<TimeSpan> RetryDelays, TimeSpan GreylistMinimum, int MaxSystemReturns, string Worker)
{
    /// <summary>The tier after one of <paramref name="lastDelay"/> (the first tier before any): the first longer one; null when none is left.</summary>
    public TimeSpan? NextDelay(TimeSpan? lastDelay, bool greylisted)
    {
        var minimum = greylisted ? GreylistMinimum : TimeSpan.Zero;
        TimeSpan? next = null;
        foreach (var delay in RetryDelays)
        {
            if (lastDelay is { } last && delay <= last)
                continue;
            next ??= delay;
            if (delay >= minimum)
                return delay;
        }
        // Greylisting asks for more than the schedule has left: the longest tier still ahead.
        return next is null ? null : RetryDelays[^1];
    }
}
