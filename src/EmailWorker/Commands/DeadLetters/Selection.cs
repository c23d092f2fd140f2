using System.CommandLine;
using EmailWorker.Hosting;
using EmailWorker.Operations;

namespace EmailWorker.Commands.DeadLetters;

/// <summary>What a replay or purge acts on: named messageIds, <c>--all</c>, or the list filters — one of them, said explicitly.</summary>
internal sealed class Selection
{
    public Argument<string[]> MessageIds { get; } = new("messageId") { Description = "messageIds to act on", Arity = ArgumentArity.ZeroOrMore };

    public Option<bool> All { get; } = new("--all") { Description = "Every dead letter present now" };

    public FilterOptions Filters { get; } = new();

    public void AddTo(Command command)
    {
        command.Arguments.Add(MessageIds);
        command.Options.Add(All);
        Filters.AddTo(command);
    }

    public DeadLetterFilter Read(ParseResult parse)
    {
        var ids = parse.GetValue(MessageIds) ?? [];
        var filter = Filters.Read(parse, ids);
        var all = parse.GetValue(All);
        if (all && !filter.IsEmpty)
            throw new OperatorException("--all cannot be combined with messageIds or filters", ExitCodes.Usage);
        if (!all && filter.IsEmpty)
            throw new OperatorException("say what to act on: messageIds, --all, or filters such as --class transient", ExitCodes.Usage);
        return filter;
    }
}
