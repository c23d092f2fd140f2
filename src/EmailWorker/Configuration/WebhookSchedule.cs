namespace EmailWorker.Configuration;

/// <summary>
/// When a webhook is tried again: the first attempt at once, then after each wait of <c>Webhooks:Schedule</c> in turn, each
/// spread by the jitter; after the last wait's attempt fails, the row has failed. A receiver's <c>Retry-After</c> replaces
/// the wait when it is longer, up to a bound.
/// </summary>
internal sealed class WebhookSchedule(IReadOnlyList<TimeSpan> waits, int jitterPercent, TimeSpan maxRetryAfter)
{
    public const int MaxSteps = 20;
    private static readonly TimeSpan MaxWait = TimeSpan.FromDays(7);

    /// <summary>Attempts in all: the first and one after each wait.</summary>
    public int Attempts => waits.Count + 1;

    public IReadOnlyList<TimeSpan> Waits => waits;

    public static WebhookSchedule From(WebhookOptions options)
    {
        if (!TryParse(options.Schedule, out var waits, out var problem))
            throw new ArgumentException(problem, nameof(options));
        if (!Duration.TryParse(options.MaxRetryAfter, out var maxRetryAfter))
            throw new ArgumentException($"MaxRetryAfter '{options.MaxRetryAfter}' is not a duration", nameof(options));
        return new WebhookSchedule(waits, options.JitterPercent, maxRetryAfter);
    }

    public static bool TryParse(string? text, out IReadOnlyList<TimeSpan> waits, out string problem)
    {
        var parsed = new List<TimeSpan>();
        waits = parsed;
        problem = "";
        var parts = (text ?? "").Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length > MaxSteps)
        {
            problem = $"has {parts.Length} waits: at most {MaxSteps}";
            return false;
        }
        foreach (var part in parts)
        {
            if (!Duration.TryParse(part, out var wait) || wait > MaxWait)
            {
                problem = $"'{part}' is not a wait: write comma-separated durations of up to 7d with a unit, e.g. 5s,5m,30m,2h,5h,10h,10h";
                return false;
            }
            parsed.Add(wait);
        }
        return true;
    }

    /// <summary>
    /// When the attempt after <paramref name="attemptsMade"/> failed ones is due, or null when that was the last. The
    /// schedule's wait, jittered by <paramref name="random"/> (0 to 1), or the receiver's Retry-After when that is longer.
    /// </summary>
    public DateTimeOffset? NextAttemptAt(int attemptsMade, DateTimeOffset now, TimeSpan? retryAfter, double random)
    {
        if (attemptsMade < 1 || attemptsMade > waits.Count)
            return null;
        var wait = waits[attemptsMade - 1];
        var spread = wait * (jitterPercent / 100.0) * (2 * random - 1);
        var jittered = wait + spread;
        if (retryAfter is { } asked && asked > jittered)
            jittered = asked < maxRetryAfter ? asked : maxRetryAfter;
        return now + jittered;
    }
}
