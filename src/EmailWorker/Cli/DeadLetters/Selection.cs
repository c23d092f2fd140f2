using System.CommandLine;
using EmailWorker.DeadLetters.Replay;
using EmailWorker.DeadLetters.Store;
using EmailWorker.Diagnostics;

namespace EmailWorker.Cli.DeadLetters;

/// <summary>What a replay or purge acts on: named letters (letter ids or messageIds), <c>--all</c>, or the list filters — said explicitly.</summary>
internal sealed class Selection
{
    public Argument<string[]> Ids { get; } = new("id") { Description = "Letter ids or messageIds to act on", Arity = ArgumentArity.ZeroOrMore };

    public Option<bool> All { get; } = new("--all") { Description = "Every dead letter in the store now" };

    public FilterOptions Filters { get; } = new();

    public void AddTo(Command command)
    {
        command.Arguments.Add(Ids);
        command.Options.Add(All);
        Filters.AddTo(command);
    }

    public LetterSelection Read(ParseResult parse)
    {
        var selection = Filters.Read(parse, parse.GetValue(Ids) ?? []);
        var empty = selection.Ids.Count == 0 && selection.Tag is null && selection.Filter == new LetterFilter();
        var all = parse.GetValue(All);
        if (all && !empty)
            throw new OperatorException("--all cannot be combined with ids or filters", ExitCodes.Usage);
        if (!all && empty)
            throw new OperatorException("say what to act on: messageIds, --all, or filters such as --class transient", ExitCodes.Usage);
        return selection;
    }

    /// <summary>
    /// The selection bounded to the letters stored now (<see cref="LetterFilter.UpTo"/>): what a prompt counts and shows is
    /// then exactly what its confirmation acts on.
    /// </summary>
    public static async Task<LetterSelection> AsOfNowAsync(LetterSelection selection, IDeadLetterStore store, CancellationToken cancellationToken) =>
        selection with { Filter = selection.Filter with { UpTo = await store.NewestSequenceAsync(cancellationToken) } };

    /// <summary>How the selection is written in a job and the audit log.</summary>
    public static string Describe(ParseResult parse) =>
        string.Join(' ', parse.Tokens.Where(t => t.Type != System.CommandLine.Parsing.TokenType.Command).Select(t => t.Value).Where(v => v is not ("--yes" or "--dry-run")))
            is { Length: > 0 } text
            ? SafeText.Bound(text, 500) : "--all";
}
