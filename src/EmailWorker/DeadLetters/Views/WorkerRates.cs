namespace EmailWorker.DeadLetters.Views;

/// <summary>
/// <c>status --metrics-url</c>: a running worker's outcomes per minute over <see cref="WindowSeconds"/> (between two
/// scrapes), and its success rate there — delivered out of every final outcome (delivered, dead-lettered, rejected,
/// expired); deferrals are not final and are shown on their own. Null rates: nothing final happened in the window.
/// </summary>
internal sealed record WorkerRates(
    string MetricsUrl,
    double WindowSeconds,
    double DeliveredPerMinute,
    double DeferredPerMinute,
    double DeadLetteredPerMinute,
    double RejectedOrExpiredPerMinute,
    double? SuccessRate,
    double DeliveredSinceStart)
{
    public static WorkerRates Between(string url, OutcomeTotals from, OutcomeTotals to)
    {
        var seconds = Math.Max((to.At - from.At).TotalSeconds, 0.001);
        // A worker restarted between the scrapes starts its counters again: count what the new one has.
        double Increase(double before, double after) => after >= before ? after - before : after;
        var delivered = Increase(from.Delivered, to.Delivered);
        var dead = Increase(from.DeadLettered, to.DeadLettered);
        var rejectedOrExpired = Increase(from.Rejected + from.Expired, to.Rejected + to.Expired);
        var final = delivered + dead + rejectedOrExpired;
        return new WorkerRates(url, Math.Round(seconds, 1), PerMinute(delivered, seconds), PerMinute(Increase(from.Deferred, to.Deferred), seconds),
            PerMinute(dead, seconds), PerMinute(rejectedOrExpired, seconds), final > 0 ? Math.Round(delivered / final, 4) : null, to.Delivered);
    }

    private static double PerMinute(double count, double seconds) => Math.Round(count * 60 / seconds, 1);
}
