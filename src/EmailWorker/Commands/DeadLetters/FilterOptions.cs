using System.CommandLine;
using System.Globalization;
using EmailWorker.Hosting;
using EmailWorker.Operations;

namespace EmailWorker.Commands.DeadLetters;

/// <summary>The selection options shared by <c>dlq list</c>, <c>replay</c> and <c>purge</c>.</summary>
internal sealed class FilterOptions
{
    public Option<string?> Class { get; } = new("--class") { Description = "Only this failure class: permanent, transient, invalid, expired, poison" };

    public Option<string?> Reason { get; } = new("--reason") { Description = "Only reasons containing this text (case-insensitive)" };

    public Option<string?> ToDomain { get; } = new("--to-domain") { Description = "Only letters with a recipient at this domain" };

    public Option<string?> Tag { get; } = new("--tag") { Description = "Only letters tagged key=value" };

    public Option<string?> Since { get; } = new("--since") { Description = "Only letters whose last failure is at or after this time (ISO 8601)" };

    public Option<string?> Until { get; } = new("--until") { Description = "Only letters whose last failure is at or before this time (ISO 8601)" };

    public void AddTo(Command command)
    {
        foreach (var option in new[] { Class, Reason, ToDomain, Tag, Since, Until })
            command.Options.Add(option);
    }

    /// <summary>The filter from the command line; a malformed value is a usage error naming the option.</summary>
    public DeadLetterFilter Read(ParseResult parse, IReadOnlyCollection<string>? messageIds = null)
    {
        (string, string)? tag = null;
        if (parse.GetValue(Tag) is { } tagText)
        {
            var parts = tagText.Split('=', 2);
            if (parts.Length != 2 || parts[0].Length == 0)
                throw new OperatorException($"--tag '{tagText}' is not key=value, e.g. --tag tenant=acme", ExitCodes.Usage);
            tag = (parts[0], parts[1]);
        }
        return new DeadLetterFilter(
            messageIds is { Count: > 0 } ids ? ids.ToHashSet(StringComparer.Ordinal) : null,
            parse.GetValue(Class),
            parse.GetValue(Reason),
            parse.GetValue(ToDomain)?.TrimStart('@'),
            tag,
            Time(parse, Since),
            Time(parse, Until));
    }

    private static DateTimeOffset? Time(ParseResult parse, Option<string?> option) =>
        parse.GetValue(option) is not { } text ? null
        : DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at
        : throw new OperatorException($"{option.Name} '{text}' is not a time; write e.g. 2026-11-27T10:00:00Z", ExitCodes.Usage);
}
