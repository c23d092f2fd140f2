using System.Globalization;

namespace EmailWorker.Commands.Status;

/// <summary>
/// The worker's <c>emailworker_messages_total</c> by outcome at one instant, read from its Prometheus text (every series of
/// an outcome added up, whatever its class). Counters since the worker started.
/// </summary>
internal sealed record OutcomeTotals(DateTimeOffset At, double Delivered, double Deferred, double DeadLettered, double Rejected, double Expired, double Returned)
{
    private const string Counter = "emailworker_messages_total";

    public static OutcomeTotals Parse(string prometheusText, DateTimeOffset at)
    {
        var byOutcome = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var raw in prometheusText.Split('\n'))
        {
            var line = raw.Trim();
            if (!line.StartsWith(Counter + "{", StringComparison.Ordinal))
                continue;
            var close = line.LastIndexOf('}');
            var outcome = Label(line[(Counter.Length + 1)..close], "emailworker_outcome");
            var value = line[(close + 1)..].Trim().Split(' ')[0];
            if (outcome is not null && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var count))
                byOutcome[outcome] = byOutcome.GetValueOrDefault(outcome) + count;
        }
        double Of(string outcome) => byOutcome.GetValueOrDefault(outcome);
        return new OutcomeTotals(at, Of("delivered"), Of("deferred"), Of("dead_lettered"), Of("rejected"), Of("expired"), Of("returned"));
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
