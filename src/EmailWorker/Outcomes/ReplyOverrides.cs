using System.Text.RegularExpressions;


namespace EmailWorker.Outcomes;

/// <summary>Parses <c>Classification:Overrides</c>: "452 4.2.2=permanent, 421=transient" → {"452 4.2.2": Permanent, "421": Transient}.</summary>
internal static partial class ReplyOverrides
{
    private static readonly Dictionary<string, OutcomeClass> Classes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["transient"] = OutcomeClass.Transient,
        ["permanent"] = OutcomeClass.Permanent,
        ["system"] = OutcomeClass.System,
        ["throttled"] = OutcomeClass.Throttled,
    };

    public static IReadOnlyDictionary<string, OutcomeClass> Parse(string overrides) =>
        TryParse(overrides, out var rules, out var error) ? rules : throw new FormatException(error);

    public static bool TryParse(string? overrides, out IReadOnlyDictionary<string, OutcomeClass> rules, out string error)
    {
        var parsed = new Dictionary<string, OutcomeClass>(StringComparer.Ordinal);
        rules = parsed;
        error = "";
        foreach (var pair in (overrides ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split('=', 2, StringSplitOptions.TrimEntries);
            var reply = parts[0];
            if (parts.Length != 2 || !ReplyPattern().IsMatch(reply))
            {
                error = $"'{pair}' is not reply=class; write e.g. 452 4.2.2=permanent or 421=transient";
                return false;
            }
            if (!Classes.TryGetValue(parts[1], out var outcomeClass))
            {
                error = $"'{parts[1]}' in '{pair}' is not a class; use transient, permanent, system or throttled";
                return false;
            }
            parsed[reply] = outcomeClass;
        }
        return true;
    }

    [GeneratedRegex(@"^[2-5]\d\d( [245]\.\d{1,3}\.\d{1,3})?$")]
    private static partial Regex ReplyPattern();
}
