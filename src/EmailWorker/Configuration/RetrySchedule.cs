namespace EmailWorker.Configuration;

/// <summary>Parses <c>Retry:Schedule</c>: "30s,2m,10m" → [30 s, 2 min, 10 min].</summary>
internal static class RetrySchedule
{
    public static IReadOnlyList<TimeSpan> Parse(string schedule) =>
        TryParse(schedule, out var delays, out var error) ? delays : throw new FormatException(error);

    public static bool TryParse(string? schedule, out IReadOnlyList<TimeSpan> delays, out string error)
    {
        delays = [];
        error = "";
        var parts = (schedule ?? "").Split(',', StringSplitOptions.TrimEntries);
        var parsed = new List<TimeSpan>(parts.Length);
        foreach (var part in parts)
        {
            if (!Duration.TryParse(part, out var delay))
            {
                error = $"'{part}' is not a delay; write a whole number with a unit (ms, s, m, h, d), e.g. 30s,2m,10m";
                return false;
            }
            if (parsed.Count > 0 && delay <= parsed[^1])
            {
                error = $"delays must grow: '{part}' is not longer than the one before it";
                return false;
            }
            parsed.Add(delay);
        }
        delays = parsed;
        return true;
    }
}
