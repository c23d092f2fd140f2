using System.Globalization;

namespace EmailWorker.Dashboard;

/// <summary>
/// The overview's charts of the last hour as inline SVG, server-rendered (no script; the CSP allows none): one strip a
/// series with its own scale — delivered, deferred, throttling replies, dead-lettered per minute as bars, then each
/// relay's connection and rate limits as steps — so that a few throttled replies are as visible as thousands of
/// deliveries. Every bar and step has a <c>&lt;title&gt;</c> (the browser's tooltip) with its minute and value. Built
/// through <see cref="Html.Of"/>: a relay's name is escaped like any other text.
/// </summary>
internal static class HistoryChart
{
    private const int Column = 12;
    private const int Left = 150;
    private const int StripHeight = 44;
    private const int StripGap = 10;
    private const int AxisHeight = 18;

    private sealed record Strip(string Label, string Unit, string CssClass, bool Steps, Func<HistoryMinute, double?> Value);

    public static Html Render(WorkerHistory history, DateTimeOffset now)
    {
        if (history.Since is not { } since)
            return Page.Notice($"No samples yet: the charts start with the dashboard's first sample of the worker (every {WorkerMetricsWatch.Interval.TotalSeconds:0} s).");
        var minutes = history.LastHour(now);
        var relays = minutes.Where(m => m.Bucket is not null).SelectMany(m => m.Bucket!.Limits.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var strips = new List<Strip>
        {
            new("delivered", "/min", "delivered", false, m => m.Delivered),
            new("deferred", "/min", "deferred", false, m => m.Deferred),
            new("throttled (relay replies)", "/min", "throttled", false, m => m.Throttled),
            new("dead-lettered", "/min", "dead", false, m => m.DeadLettered),
        };
        foreach (var relay in relays)
        {
            strips.Add(new($"{relay}: connections", "", "connections", true, m => m.Limits.TryGetValue(relay, out var l) ? l.Connections : null));
            strips.Add(new($"{relay}: transactions/s", "", "rate", true, m => m.Limits.TryGetValue(relay, out var l) ? l.Rate : null));
        }
        var firstMinute = since.ToUniversalTime().AddTicks(-(since.UtcTicks % TimeSpan.TicksPerMinute));
        var width = Left + WorkerHistory.Minutes * Column;
        var height = strips.Count * (StripHeight + StripGap) + AxisHeight;
        var body = Html.Join(strips.Select((strip, i) => StripOf(strip, i * (StripHeight + StripGap), minutes, firstMinute)));
        // Every ten minutes, and the current minute at the right edge (a ten-minute label too near it is left out).
        var axis = Html.Join(minutes.Select((m, i) => (m.Minute, i)).Where(m => m.Minute.Minute % 10 == 0 && m.i < minutes.Count - 5)
            .Select(m => Html.Of($"<text class=\"axis\" x=\"{Left + m.i * Column}\" y=\"{height - 4}\">{Clock(m.Minute)}</text>"))
            .Append(Html.Of($"<text class=\"axis\" x=\"{width}\" y=\"{height - 4}\" text-anchor=\"end\">{Clock(minutes[^1].Minute)}</text>")));
        return Html.Of($"""
            <p>The last hour in one-minute steps (UTC), sampled every {WorkerMetricsWatch.Interval.TotalSeconds:0} s since {Page.Time(since)} (when this dashboard started watching; not kept across its restarts). Each strip has its own scale; hover a bar for its value.</p>
            <svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="The worker's last hour">{body}{axis}</svg>
            """);
    }

    private static Html StripOf(Strip strip, int top, IReadOnlyList<(DateTimeOffset Minute, HistoryMinute? Bucket)> minutes, DateTimeOffset firstMinute)
    {
        var values = minutes.Select(m => m.Bucket is { } bucket ? strip.Value(bucket) : null).ToList();
        var scale = NiceCeiling(values.Max(v => v ?? 0));
        var baseline = top + StripHeight;
        var marks = new List<Html>(minutes.Count);
        for (var i = 0; i < minutes.Count; i++)
        {
            var x = Left + i * Column;
            var minute = minutes[i].Minute.UtcDateTime.ToString("HH:mm", CultureInfo.InvariantCulture);
            if (minutes[i].Bucket is null)
            {
                if (minutes[i].Minute >= firstMinute)
                    marks.Add(Html.Of($"<rect class=\"gap\" x=\"{x}\" y=\"{top}\" width=\"{Column - 1}\" height=\"{StripHeight}\"><title>{minute} no sample</title></rect>"));
                continue;
            }
            if (values[i] is not { } value || (!strip.Steps && value <= 0))
                continue;
            var y = baseline - value / scale * StripHeight;
            var text = $"{minute} {strip.Label}: {Number(value)}{strip.Unit}";
            marks.Add(strip.Steps
                ? Html.Of($"<rect class=\"step {strip.CssClass}\" x=\"{x}\" y=\"{Coordinate(y - 1)}\" width=\"{Column}\" height=\"2\" data-value=\"{Number(value)}\"><title>{text}</title></rect>")
                : Html.Of($"<rect class=\"bar {strip.CssClass}\" x=\"{x}\" y=\"{Coordinate(y)}\" width=\"{Column - 2}\" height=\"{Coordinate(baseline - y)}\" data-value=\"{Number(value)}\"><title>{text}</title></rect>"));
        }
        return Html.Of($"""
            <g class="strip {strip.CssClass}"><text class="label" x="0" y="{top + 14}">{strip.Label}</text><text class="scale" x="0" y="{top + 30}">max {Number(scale)}{strip.Unit}</text><line class="base" x1="{Left}" y1="{baseline}" x2="{Left + WorkerHistory.Minutes * Column}" y2="{baseline}"/>{Html.Join(marks)}</g>
            """);
    }

    /// <summary>The scale's top: 1, 2 or 5 × a power of ten at or above <paramref name="max"/>, at least 1.</summary>
    public static double NiceCeiling(double max)
    {
        if (max <= 1)
            return 1;
        var power = Math.Pow(10, Math.Floor(Math.Log10(max)));
        foreach (var step in new[] { 1, 2, 5, 10 })
        {
            if (step * power >= max)
                return step * power;
        }
        return 10 * power;
    }

    private static string Clock(DateTimeOffset minute) => minute.UtcDateTime.ToString("HH:mm", CultureInfo.InvariantCulture);

    private static string Number(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    private static string Coordinate(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
