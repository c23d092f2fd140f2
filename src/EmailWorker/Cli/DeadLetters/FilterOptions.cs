using System.CommandLine;
using System.Globalization;
using EmailWorker.DeadLetters.Ingest;
using EmailWorker.DeadLetters.Replay;
using EmailWorker.DeadLetters.Store;
using EmailWorker.Diagnostics;

namespace EmailWorker.Cli.DeadLetters;

/// <summary>The selection options shared by <c>dlq list</c>, <c>groups</c>, <c>replay</c> and <c>purge</c>.</summary>
internal sealed class FilterOptions
{
    public Option<string?> Class { get; } = new("--class") { Description = $"Only this failure class: {string.Join(", ", DeadLetterMapper.LetterClasses)}" };

    public Option<string?> Reason { get; } = new("--reason") { Description = "Only reasons containing this text (case-insensitive)" };

    public Option<string?> ToDomain { get; } = new("--to-domain") { Description = "Only letters with a recipient at this domain" };

    public Option<string?> Tag { get; } = new("--tag") { Description = "Only letters tagged key=value" };

    public Option<string?> Group { get; } = new("--group") { Description = "Only letters of this group (its key, from dlq groups)" };

    public Option<string?> Code { get; } = new("--code") { Description = "Only this SMTP reply code (550) or enhanced code (5.1.1)" };

    public Option<string?> Since { get; } = new("--since") { Description = "Only letters whose last failure is at or after this time (ISO 8601)" };

    public Option<string?> Until { get; } = new("--until") { Description = "Only letters whose last failure is at or before this time (ISO 8601)" };

    public void AddTo(Command command)
    {
        foreach (var option in new[] { Class, Reason, ToDomain, Tag, Group, Code, Since, Until })
            command.Options.Add(option);
    }

    /// <summary>The selection from the command line; a malformed value is a usage error naming the option.</summary>
    public LetterSelection Read(ParseResult parse, IReadOnlyList<string>? ids = null)
    {
        (string, string)? tag = null;
        if (parse.GetValue(Tag) is { } tagText)
        {
            var parts = tagText.Split('=', 2);
            if (parts.Length != 2 || parts[0].Length == 0)
                throw new OperatorException($"--tag '{tagText}' is not key=value, e.g. --tag tenant=acme", ExitCodes.Usage);
            tag = (parts[0], parts[1]);
        }
        var domain = parse.GetValue(ToDomain)?.TrimStart('@');
        if (domain is not null && !LetterSelection.IsDomain(domain))
            throw new OperatorException($"--to-domain '{domain}' is not a domain name, e.g. --to-domain example.org", ExitCodes.Usage);
        var (smtpCode, enhancedCode) = ReadCode(parse.GetValue(Code));
        var filter = new LetterFilter
        {
            Class = parse.GetValue(Class)?.ToLowerInvariant(),
            ReasonContains = parse.GetValue(Reason),
            RecipientDomain = domain,
            Group = parse.GetValue(Group),
            SmtpCode = smtpCode,
            EnhancedCode = enhancedCode,
            Since = Time(parse, Since),
            // The store's bound is exclusive, the option's inclusive (times are kept to the millisecond).
            Until = Time(parse, Until)?.AddMilliseconds(1),
        };
        return new LetterSelection(filter, ids ?? [], tag);
    }

    private static (int?, string?) ReadCode(string? text) =>
        text is null ? (null, null)
        : LetterSelection.TryCode(text, out var smtpCode, out var enhancedCode) ? (smtpCode, enhancedCode)
        : throw new OperatorException($"--code '{text}' is neither an SMTP reply code (e.g. 550) nor an enhanced code (e.g. 5.1.1)", ExitCodes.Usage);

    private static DateTimeOffset? Time(ParseResult parse, Option<string?> option) =>
        parse.GetValue(option) is not { } text ? null
        : DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at
        : throw new OperatorException($"{option.Name} '{text}' is not a time; write e.g. 2026-11-27T10:00:00Z", ExitCodes.Usage);
}
