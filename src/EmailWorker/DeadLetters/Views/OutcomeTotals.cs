using System.Globalization;


namespace EmailWorker.DeadLetters.Views;

/// <summary>
/// The worker's <c>emailworker_messages_total</c> by outcome at one instant, read from its Prometheus text (every series of
/// an outcome added up, whatever its class). Counters since the worker started. <see cref="BreakerOpen"/>: the relay
/// breaker gauge, null when the text has none. <see cref="Throttled"/>: the relays' throttling replies
/// (<c>emailworker_relay_throttled_total</c>, every series added up).
/// </summary>
internal sealed record OutcomeTotals(DateTimeOffset At, double Delivered, double Deferred, double DeadLettered, double Rejected, double Expired, double Returned,
    bool? BreakerOpen = null, double Throttled = 0)
{
    private const string Counter = "emailworker_messages_total";
    private const string ThrottledCounter = "emailworker_relay_throttled_total";
    private const string Breaker = "emailworker_breaker_open";

    public static OutcomeTotals Parse(string prometheusText, DateTimeOffset at)
    {
        var byOutcome = new Dictionary<string, double>(StringComparer.Ordinal);
        bool? breakerOpen = null;
        double throttled = 0;
        foreach (var raw in prometheusText.Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith(Breaker, StringComparison.Ordinal) && line.Length > Breaker.Length && line[Breaker.Length] is '{' or ' ')
            {
                // One series per worker scope; open when any says 1. The value follows the labels (or the name).
                var gauge = line[(Math.Max(line.LastIndexOf('}'), Breaker.Length - 1) + 1)..].Trim().Split(' ')[0];
                if (double.TryParse(gauge, NumberStyles.Float, CultureInfo.InvariantCulture, out var open))
                    breakerOpen = breakerOpen == true || open > 0;
                continue;
            }
            if (line.StartsWith(ThrottledCounter + "{", StringComparison.Ordinal))
            {
                var replies = line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0];
                if (double.TryParse(replies, NumberStyles.Float, CultureInfo.InvariantCulture, out var throttledReplies))
                    throttled += throttledReplies;
                continue;
            }
            if (!line.StartsWith(Counter + "{", StringComparison.Ordinal))
                continue;
            var close = line.LastIndexOf('}');
            var outcome = Label(line[(Counter.Length + 1)..close], "emailworker_outcome");
            var value = line[(close + 1)..].Trim().Split(' ')[0];
            if (outcome is not null && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var count))
                byOutcome[outcome] = byOutcome.GetValueOrDefault(outcome) + count;
        }
        double Of(string outcome) => byOutcome.GetValueOrDefault(outcome);
        return new OutcomeTotals(at, Of("delivered"), Of("deferred"), Of("dead_lettered"), Of("rejected"), Of("expired"), Of("returned"), breakerOpen, throttled);
    }

    /// <summary>The value of label <paramref name="name"/> (our outcome names need no unescaping).</summary>
    private static string? Label(string labels, string name)
    {
        var start = labels.IndexOf(name + "=\"", StringComparison.Ordinal);
        if (start < 0)
            return null;
        start += name.Length + 2;
        var end = labels.IndexOf('"', start);
        return end < 0 ? null : labels[start..end];
    }
}
