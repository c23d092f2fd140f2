using System.Globalization;


namespace EmailWorker.Configuration;

/// <summary>
/// Durations written with a unit, as operators write them in configuration: <c>500ms</c>, <c>30s</c>, <c>2m</c>, <c>1h</c>, <c>1d</c>.
/// </summary>
internal static class Duration
{
    private static readonly (string Suffix, TimeSpan Unit)[] Units =
    [
        ("ms", TimeSpan.FromMilliseconds(1)),
        ("s", TimeSpan.FromSeconds(1)),
        ("m", TimeSpan.FromMinutes(1)),
        ("h", TimeSpan.FromHours(1)),
        ("d", TimeSpan.FromDays(1)),
    ];

    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        var trimmed = text?.Trim() ?? "";
        foreach (var (suffix, unit) in Units)
        {
            if (!trimmed.EndsWith(suffix, StringComparison.Ordinal))
                continue;
            var number = trimmed[..^suffix.Length];
            // "ms" also ends with "s": a number part that is not all digits belongs to another unit.
            if (number.Length == 0 || !number.All(char.IsAsciiDigit))
                continue;
            if (!long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
                return false;
            value = unit * count;
            return value > TimeSpan.Zero;
        }
        return false;
    }

    /// <summary>The shortest exact form, e.g. 120 s → <c>2m</c>; used to name retry tiers.</summary>
    public static string Format(TimeSpan value)
    {
        for (var i = Units.Length - 1; i >= 0; i--)
        {
            var (suffix, unit) = Units[i];
            if (value.Ticks % unit.Ticks == 0)
                return (value.Ticks / unit.Ticks).ToString(CultureInfo.InvariantCulture) + suffix;
        }
        return ((long)value.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms";
    }
}
