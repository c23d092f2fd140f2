using System.Globalization;

namespace EmailWorker.DeadLetters.Store;

/// <summary>
/// Which stored letters a list, count, group, purge or replay takes: the one selection every front end binds onto (the
/// <c>dlq</c> options, the dashboard's filters and forms) and the store reads (<see cref="FilterSql"/>). Every condition set
/// must hold; <see cref="State"/> defaults to dead letters only (null takes history too). Times compare with the letter's
/// last failure. Named letters (<see cref="Ids"/>) and a tag from the body are beyond the store's SQL: they are matched
/// while the letters stream (<see cref="InStore"/> says whether the SQL is the whole selection). The rules for what a
/// selection may say live here, worded for either front end by <see cref="Bind"/>.
/// </summary>
internal sealed record LetterSelection
{
    /// <summary>Letters one selection may name from a form: a page of the dashboard's list.</summary>
    public const int MaxFormIds = 500;

    /// <summary>The longest value a front end passes on for one condition.</summary>
    public const int MaxValueLength = 500;

    public string? Class { get; init; }

    public int? SmtpCode { get; init; }

    public string? EnhancedCode { get; init; }

    /// <summary>The group key (<see cref="LetterGroupKey.Key"/>).</summary>
    public string? Group { get; init; }

    public string? MessageId { get; init; }

    /// <summary>A recipient at this domain (without the <c>@</c>), compared without regard to (ASCII) case.</summary>
    public string? RecipientDomain { get; init; }

    /// <summary>Text the reason contains, compared without regard to (ASCII) case.</summary>
    public string? ReasonContains { get; init; }

    /// <summary>Last failure at or after this time.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Last failure before this time.</summary>
    public DateTimeOffset? Until { get; init; }

    public LetterState? State { get; init; } = LetterState.Dead;

    /// <summary>
    /// Only letters stored up to this sequence number: the newest letter when a dry run counted the selection, so that its
    /// confirmation acts on what the operator saw and not on letters stored since (see <see cref="IDeadLetterStore.NewestSequenceAsync"/>).
    /// </summary>
    public long? UpTo { get; init; }

    /// <summary>Named letters: a letter id each (one letter) or a messageId (every letter of that message).</summary>
    public IReadOnlyList<string> Ids { get; init; } = [];

    /// <summary>Only letters whose body carries this tag.</summary>
    public (string Key, string Value)? Tag { get; init; }

    /// <summary>The store's SQL is the whole selection: purge and replay can act on it in the database.</summary>
    public bool InStore => Ids.Count == 0 && Tag is null;

    /// <summary>Nothing but the state is chosen: every letter (of that state).</summary>
    public bool IsEmpty => InStore && Class is null && SmtpCode is null && EnhancedCode is null && Group is null && MessageId is null
        && RecipientDomain is null && ReasonContains is null && Since is null && Until is null;

    /// <summary>The selection fixed to the letters stored now (<paramref name="newest"/>): what a dry run counts is what its confirmation acts on.</summary>
    public LetterSelection AsOf(long newest) => this with { UpTo = newest };

    /// <summary>
    /// The selection written as text by a front end, by the names both use (<c>class</c>, <c>reason</c>, <c>to-domain</c>,
    /// <c>tag</c>, <c>group</c>, <c>code</c>, <c>since</c>, <c>until</c>, <c>state</c>); <paramref name="read"/> gives null for a
    /// name the front end does not have. Every problem is worded with the front end's name for the condition
    /// (<paramref name="prefix"/> <c>--</c> for the command line's options, none for the dashboard's fields).
    /// </summary>
    public static (LetterSelection Selection, IReadOnlyList<string> Problems) Bind(Func<string, string?> read, string prefix = "", IReadOnlyList<string>? ids = null)
    {
        var problems = new List<string>();
        string Name(string name) => prefix + name;
        string Example(string name, string value) => prefix.Length == 0 ? value : $"{prefix}{name} {value}";
        var selection = new LetterSelection
        {
            Class = read("class")?.ToLowerInvariant(),
            ReasonContains = read("reason"),
            Group = read("group"),
            RecipientDomain = read("to-domain")?.TrimStart('@'),
            Ids = ids ?? [],
        };
        if (selection.Class is { } letterClass && !LetterClasses.All.Contains(letterClass))
            problems.Add($"{Name("class")} '{letterClass}' is none of {string.Join(", ", LetterClasses.All)}");
        if (selection.RecipientDomain is { } domain && !IsDomain(domain))
            problems.Add($"{Name("to-domain")} '{domain}' is not a domain name, e.g. {Example("to-domain", "example.org")}");
        if (read("tag") is { } tagText)
        {
            if (tagText.Split('=', 2) is [{ Length: > 0 } key, var value])
                selection = selection with { Tag = (key, value) };
            else
                problems.Add($"{Name("tag")} '{tagText}' is not key=value, e.g. {Example("tag", "tenant=acme")}");
        }
        if (read("code") is { } code)
        {
            if (TryCode(code, out var smtpCode, out var enhancedCode))
                selection = selection with { SmtpCode = smtpCode, EnhancedCode = enhancedCode };
            else
                problems.Add($"{Name("code")} '{code}' is neither an SMTP reply code (e.g. 550) nor an enhanced code (e.g. 5.1.1)");
        }
        var since = Time("since");
        var until = Time("until");
        if (since is not null && until is not null && until < since)
            problems.Add($"{Name("until")} is before {Name("since")}: no letter can match");
        // The store's bound is exclusive, the condition's inclusive (times are kept to the millisecond).
        selection = selection with { Since = since, Until = until?.AddMilliseconds(1) };
        switch (read("state"))
        {
            case null or "dead":
                break;
            case "all":
                selection = selection with { State = null };
                break;
            case var state when Enum.TryParse<LetterState>(state, ignoreCase: true, out var known) && Enum.IsDefined(known):
                selection = selection with { State = known };
                break;
            case var state:
                problems.Add($"{Name("state")} '{state}' is none of dead, replayed, purged, edited, all");
                break;
        }
        return (selection, problems);

        DateTimeOffset? Time(string name)
        {
            if (read(name) is not { } text)
                return null;
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
                return at;
            problems.Add($"{Name(name)} '{text}' is not a time; write e.g. 2026-11-27T10:00:00Z");
            return null;
        }
    }

    /// <summary>Why a limit on the letters or groups shown cannot be taken, or null: it must be 1 or more.</summary>
    public static string? LimitProblem(long? limit, string name) => limit is < 1 ? $"{name} must be 1 or more" : null;

    /// <summary>Why letters named by a form cannot be acted on, or null: letter ids only, at most <see cref="MaxFormIds"/>.</summary>
    public static string? FormIdsProblem(IReadOnlyList<string> ids) =>
        ids.Count > MaxFormIds ? $"{ids.Count} letters ticked: at most {MaxFormIds} at once; select by a filter or a group instead"
        : ids.FirstOrDefault(id => !IsLetterId(id)) is { } wrong ? $"'{wrong}' is not a letter id"
        : null;

    /// <summary>The dry run's bound as a confirmation posts it back (a sequence number), or null when it is not one.</summary>
    public static long? ReadUpTo(string? text) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var upTo) ? upTo : null;

    /// <summary>Letter ids are 32 lowercase hex digits (see <c>DeadLetterMapper.LetterId</c>).</summary>
    public static bool IsLetterId(string text) => text.Length == 32 && text.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    /// <summary>A recipient domain as a selection takes it: letters, digits, '.' and '-'.</summary>
    public static bool IsDomain(string domain) => domain.Length > 0 && domain.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-');

    /// <summary>An SMTP reply code (200-599) or an enhanced code (5.1.1), as a selection takes it.</summary>
    public static bool TryCode(string text, out int? smtpCode, out string? enhancedCode)
    {
        (smtpCode, enhancedCode) = (null, null);
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var code) && code is >= 200 and <= 599)
            smtpCode = code;
        else if (text.Split('.') is [var a, var b, var c] && new[] { a, b, c }.All(p => p.Length is >= 1 and <= 3 && p.All(char.IsAsciiDigit)))
            enhancedCode = text;
        return smtpCode is not null || enhancedCode is not null;
    }
}
