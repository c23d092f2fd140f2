using System.Globalization;
using EmailWorker.Delivery.Suppression;
using EmailWorker.Diagnostics;

namespace EmailWorker.Cli.Suppress;

/// <summary>
/// One entry as a file gives it, before any check: the six columns of the export (any of them but the address may be
/// missing or empty). <see cref="ToEntry"/> applies the rules of <c>suppress add</c>.
/// </summary>
internal sealed record SuppressionFields(string? Address, string? Scope, string? Reason, string? SourceMessageId, string? CreatedAt, string? CreatedBy)
{
    /// <summary>The names of the columns (CSV header) and of the JSON fields, in the export's order.</summary>
    public static readonly IReadOnlyList<string> Names = ["address", "scope", "reason", "sourceMessageId", "createdAt", "createdBy"];

    /// <summary>The fields in <see cref="Names"/>' order, by name (case-insensitive); an unknown name is null.</summary>
    public static SuppressionFields? FromNamed(IReadOnlyDictionary<string, string?> values) =>
        values.Keys.Any(k => !Names.Contains(k, StringComparer.OrdinalIgnoreCase)) ? null : new(
            Get(values, "address"), Get(values, "scope"), Get(values, "reason"), Get(values, "sourceMessageId"), Get(values, "createdAt"), Get(values, "createdBy"));

    /// <summary>
    /// The entry, checked as <c>suppress add</c> checks its input; a missing scope is global, a missing reason manual, a
    /// missing time <paramref name="now"/> and a missing author <paramref name="actor"/>. Null and the problem when a field is wrong.
    /// </summary>
    public SuppressionEntry? ToEntry(DateTimeOffset now, string actor, out string? problem)
    {
        var key = SuppressionRules.Key(Address, out problem);
        var scope = key is null ? null : SuppressionRules.Scope(Scope, out problem);
        var reason = scope is null ? null : SuppressionRules.Reason(Reason, out problem);
        string? source = null;
        if (reason is null || !SuppressionRules.Source(SourceMessageId, out source, out problem))
            return null;
        var by = string.IsNullOrWhiteSpace(CreatedBy) ? actor : SuppressionRules.Actor(CreatedBy, "createdBy", out problem);
        if (by is null || !Time(CreatedAt, now, out var at, out problem))
            return null;
        return new SuppressionEntry(key!, scope!, reason, source, at, by);
    }

    /// <summary>ISO 8601 as the export writes it (<c>2026-12-01T12:00:00.000Z</c>); a time without an offset is UTC; none is now.</summary>
    private static bool Time(string? text, DateTimeOffset now, out DateTimeOffset at, out string? problem)
    {
        (at, problem) = (now, null);
        if (string.IsNullOrWhiteSpace(text))
            return true;
        if (!DateTimeOffset.TryParse(text.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out at))
            problem = $"createdAt '{SafeText.Bound(text, 40)}' is not a time (write 2026-12-01T12:00:00Z)";
        else if (at > now.AddDays(1))
            problem = $"createdAt {text.Trim()} is in the future";
        return problem is null;
    }

    private static string? Get(IReadOnlyDictionary<string, string?> values, string name) =>
        values.FirstOrDefault(v => string.Equals(v.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
}
