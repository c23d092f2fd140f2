using System.CommandLine;
using EmailWorker.DeadLetters.Replay;
using EmailWorker.DeadLetters.Store;
using EmailWorker.Diagnostics;

namespace EmailWorker.Cli.DeadLetters;

/// <summary>
/// <c>emailworker dlq purge</c>: marks exactly the selected dead letters purged — chosen from those in the store when it
/// starts; letters stored while it runs are not touched. They stay in the store as history (who, when) until the
/// retention removes them, and are no longer listed or replayed. Asks first unless <c>--yes</c>, and refuses without a terminal.
/// </summary>
internal static class DlqPurgeCommand
{
    private const int ListedIds = 50;

    public static Command Create()
    {
        var selection = new SelectionOptions(acts: true);
        var yes = new Option<bool>("--yes") { Description = "Do not ask for confirmation" };
        var by = new Option<string?>("--by") { Description = "Who purges, for the audit trail (default: the OS user)" };
        var command = new Command("purge", "Purge dead letters: never replayed, kept as history until the retention removes them.");
        selection.AddTo(command);
        command.Options.Add(yes);
        command.Options.Add(by);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(parse, async (context, token) =>
        {
            var purgedBy = parse.GetValue(by) is { Length: > 0 } name ? name : Environment.UserName;
            var read = selection.Read(parse);
            await using var store = await DeadLetterStoreSession.OpenAsync(context, drain: true, token);
            // What the prompt counts is what is purged: letters stored while the operator answers are not part of it.
            var selected = await SelectionOptions.AsOfNowAsync(read, store, token);
            // Named letters and tags are resolved to letter ids first; a store filter is purged in the database.
            var ids = selected.InStore ? null : await CollectIdsAsync(selected, store, token);
            var count = ids?.Count ?? await store.CountAsync(selected, token);
            if (count == 0)
            {
                Console.Out.WriteLine("0 dead letter(s) selected: nothing to purge");
                return ExitCodes.Ok;
            }
            OperatorPrompt.Confirm($"Purge {count} dead letter(s) from the store ({store.Description})?", parse.GetValue(yes));
            var mark = new LetterMark(DateTimeOffset.UtcNow, purgedBy);
            var purged = ids is null
                ? await store.PurgeAsync(selected, mark, token)
                : await MarkAsync(store, ids.Select(i => i.LetterId).ToList(), mark, token);
            var messageIds = ids?.Select(i => i.MessageId).Take(ListedIds).ToArray() ?? [];
            context.Audit.Warning("Purged {Count} dead letter(s) from {Store} by {Operator}, selection {Selection}: {MessageIds}",
                purged, store.Description, purgedBy, SelectionOptions.Describe(parse), messageIds);
            Console.Out.WriteLine(messageIds.Length > 0
                ? $"purged {purged} dead letter(s): {SafeText.Bound(string.Join(" ", messageIds))}{(ids!.Count > ListedIds ? " …" : "")}"
                : $"purged {purged} dead letter(s)");
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    public static async Task<List<(string LetterId, string MessageId)>> CollectIdsAsync(LetterSelection selection, IDeadLetterStore store,
        CancellationToken cancellationToken)
    {
        var ids = new List<(string, string)>();
        await foreach (var letter in selection.StreamAsync(store, null, cancellationToken))
            ids.Add((letter.LetterId, letter.MessageId));
        return ids;
    }

    /// <summary>In transactions of 5,000, as the store's own purge: an interrupted purge has purged a prefix.</summary>
    private static async Task<long> MarkAsync(IDeadLetterStore store, List<string> letterIds, LetterMark mark, CancellationToken cancellationToken)
    {
        long purged = 0;
        foreach (var chunk in letterIds.Chunk(5000))
            purged += await store.MarkPurgedAsync(chunk, mark, cancellationToken);
        return purged;
    }
}
