using System.Globalization;
using EmailWorker.DeadLetters.Ingest;
using EmailWorker.DeadLetters.Store;
using EmailWorker.DeadLetters.Replay;
using Microsoft.AspNetCore.Http;

namespace EmailWorker.Dashboard;

/// <summary>
/// The letter filters of the list, the dry run and the actions, read from a query string or a form with the same names
/// and rules as the <c>dlq</c> options (<c>class</c>, <c>reason</c>, <c>to-domain</c>, <c>group</c>, <c>code</c>,
/// <c>since</c>, <c>until</c>, and <c>state</c>: dead, replayed, purged or all). A malformed value is a message for the page.
/// </summary>
internal sealed record LetterQuery(IReadOnlyDictionary<string, string> Values, LetterFilter Filter, IReadOnlyList<string> Problems)
{
    public static readonly string[] Names = ["class", "reason", "to-domain", "group", "code", "since", "until", "state"];

    public bool IsEmpty => Values.Keys.All(k => k == "state");

    public static LetterQuery From(Func<string, string?> read)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in Names)
        {
            if (read(name)?.Trim() is { Length: > 0 and <= 500 } value)
                values[name] = value;
        }
        var problems = new List<string>();
        string? Get(string name) => values.GetValueOrDefault(name);
        var filter = new LetterFilter
        {
            Class = Get("class")?.ToLowerInvariant(),
            ReasonContains = Get("reason"),
            Group = Get("group"),
            RecipientDomain = Get("to-domain")?.TrimStart('@'),
            State = Get("state") switch
            {
                null or "dead" => LetterState.Dead,
                "all" => null,
                var state when Enum.TryParse<LetterState>(state, ignoreCase: true, out var known) && Enum.IsDefined(known) => known,
                var state => Fail<LetterState>($"state '{state}' is none of dead, replayed, purged, all") ?? LetterState.Dead,
            },
        };
        if (filter.Class is { } failureClass && !DeadLetterMapper.LetterClasses.Contains(failureClass))
            problems.Add($"class '{failureClass}' is none of {string.Join(", ", DeadLetterMapper.LetterClasses)}");
        if (filter.RecipientDomain is { } domain && !LetterSelection.IsDomain(domain))
            problems.Add($"to-domain '{domain}' is not a domain name, e.g. example.org");
        if (Get("code") is { } code)
        {
            if (LetterSelection.TryCode(code, out var smtpCode, out var enhancedCode))
                filter = filter with { SmtpCode = smtpCode, EnhancedCode = enhancedCode };
            else
                problems.Add($"code '{code}' is neither an SMTP reply code (e.g. 550) nor an enhanced code (e.g. 5.1.1)");
        }
        filter = filter with { Since = Time("since"), Until = Time("until")?.AddMilliseconds(1) };
        return new LetterQuery(values, filter, problems);

        DateTimeOffset? Time(string name) =>
            Get(name) is not { } text ? null
            : DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at
            : Fail<DateTimeOffset>($"{name} '{text}' is not a time; write e.g. 2026-11-27T10:00:00Z");

        T? Fail<T>(string text) where T : struct
        {
            problems.Add(text);
            return null;
        }
    }

    public static LetterQuery From(IQueryCollection query) => From(name => query[name].ToString());

    public static LetterQuery From(IFormCollection form) => From(name => form[name].ToString());

    /// <summary>The filters as a query string (for links) — encoded here, escaped again by the page.</summary>
    public string ToQueryString(params (string Name, string Value)[] more) =>
        string.Join('&', Values.Select(v => (v.Key, v.Value)).Concat(more).Select(v => $"{Uri.EscapeDataString(v.Item1)}={Uri.EscapeDataString(v.Item2)}"));

    /// <summary>The filters as hidden fields of a form that acts on them.</summary>
    public Html HiddenFields() => Html.Join(Values.Select(v => Html.Of($"<input type=\"hidden\" name=\"{v.Key}\" value=\"{v.Value}\">")));

    /// <summary>How the audit log and a job name the selection: the same words as the <c>dlq</c> options.</summary>
    public string Describe() => IsEmpty ? "--all" : string.Join(' ', Values.Select(v => $"--{v.Key} {v.Value}"));
}
