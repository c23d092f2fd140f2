using EmailWorker.Configuration;

namespace EmailWorker.Webhooks;

/// <summary>The rule after an attempt, apart from HTTP and the store so it can be read and tested alone.</summary>
internal static class WebhookAttempts
{
    /// <param name="result">The attempt's end.</param>
    /// <param name="attemptsBefore">Attempts made before this one.</param>
    /// <param name="schedule">The retry schedule.</param>
    /// <param name="now">When the attempt ended.</param>
    /// <param name="random">0 to 1, for the jitter.</param>
    public static AttemptVerdict Judge(AttemptResult result, int attemptsBefore, WebhookSchedule schedule, DateTimeOffset now, double random)
    {
        if (result.IsSuccess)
            return new AttemptVerdict.Delivered();
        if (result.Status == 410)
            return new AttemptVerdict.Gone();
        return schedule.NextAttemptAt(attemptsBefore + 1, now, result.RetryAfter, random) is { } next
            ? new AttemptVerdict.Retry(next)
            : new AttemptVerdict.Failed();
    }
}
