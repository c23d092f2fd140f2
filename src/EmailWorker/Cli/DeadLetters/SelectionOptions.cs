using System.CommandLine;
using EmailWorker.DeadLetters.Store;
using EmailWorker.Diagnostics;

namespace EmailWorker.Cli.DeadLetters;

/// <summary>
/// The command line's binder onto <see cref="LetterSelection"/>: the filter options of <c>dlq list</c>, <c>groups</c>,
/// <c>replay</c> and <c>purge</c>, and for the two that act (<paramref name="acts"/>) the letters named by id and
/// <c>--all</c>, which must be said explicitly. The rules are the selection's; a value it refuses is a usage error.
/// </summary>
internal sealed class SelectionOptions(bool acts = false)
{
    public Option<string?> Class { get; } = new("--class") { Description = $"Only this failure class: {string.Join(", ", LetterClasses.All)}" };

    public Option<string?> Reason { get; } = new("--reason") { Description = "Only reasons containing this text (case-insensitive)" };

    public Option<string?> ToDomain { get; } = new("--to-domain") { Description = "Only letters with a recipient at this domain" };

    public Option<string?> Tag { get; } = new("--tag") { Description = "Only letters tagged key=value" };

    public Option<string?> Group { get; } = new("--group") { Description = "Only letters of this group (its key, from dlq groups)" };

    public Option<string?> Code { get; } = new("--code") { Description = "Only this SMTP reply code (550) or enhanced code (5.1.1)" };

    public Option<string?> Since { get; } = new("--since") { Description = "Only letters whose last failure is at or after this time (ISO 8601)" };

    public Option<string?> Until { get; } = new("--until") { Description = "Only letters whose last failure is at or before this time (ISO 8601)" };

    public Argument<string[]> Ids { get; } = new("id") { Description = "Letter ids or messageIds to act on", Arity = ArgumentArity.ZeroOrMore };

    public Option<bool> All { get; } = new("--all") { Description = "Every dead letter in the store now" };

    private Option<string?>[] Filters => [Class, Reason, ToDomain, Tag, Group, Code, Since, Until];

    public void AddTo(Command command)
    {
        if (acts)
        {
            command.Arguments.Add(Ids);
            command.Options.Add(All);
        }
        foreach (var option in Filters)
            command.Options.Add(option);
    }

    /// <summary>The selection from the command line; a malformed value, or an action's selection not said explicitly, is a usage error.</summary>
    public LetterSelection Read(ParseResult parse)
    {
        var options = Filters.ToDictionary(o => o.Name.TrimStart('-'), StringComparer.Ordinal);
        var ids = acts ? parse.GetValue(Ids) ?? [] : [];
        var (selection, problems) = LetterSelection.Bind(name => options.TryGetValue(name, out var option) ? parse.GetValue(option) : null, "--", ids);
        if (problems.Count > 0)
            throw new OperatorException(problems[0], ExitCodes.Usage);
        if (!acts)
            return selection;
        var all = parse.GetValue(All);
        if (all && !selection.IsEmpty)
            throw new OperatorException("--all cannot be combined with ids or filters", ExitCodes.Usage);
        if (!all && selection.IsEmpty)
            throw new OperatorException("say what to act on: messageIds, --all, or filters such as --class transient", ExitCodes.Usage);
        return selection;
    }

    /// <summary>
    /// The selection bounded to the letters stored now (<see cref="LetterSelection.UpTo"/>): what a prompt counts and shows is
    /// then exactly what its confirmation acts on.
    /// </summary>
    public static async Task<LetterSelection> AsOfNowAsync(LetterSelection selection, IDeadLetterStore store, CancellationToken cancellationToken) =>
        selection.AsOf(await store.NewestSequenceAsync(cancellationToken));

    /// <summary>How the selection is written in a job and the audit log.</summary>
    public static string Describe(ParseResult parse) =>
        string.Join(' ', parse.Tokens.Where(t => t.Type != System.CommandLine.Parsing.TokenType.Command).Select(t => t.Value).Where(v => v is not ("--yes" or "--dry-run")))
            is { Length: > 0 } text
            ? SafeText.Bound(text, 500) : "--all";
}
