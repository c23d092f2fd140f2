using System.CommandLine;
using EmailWorker.Hosting;
using EmailWorker.Operations;

namespace EmailWorker.Commands.DeadLetters;

/// <summary>
/// <c>emailworker dlq purge</c>: deletes exactly the selected dead letters, chosen from those present when it starts —
/// letters that arrive while it runs are not touched. Asks first unless <c>--yes</c>, and refuses without a terminal.
/// </summary>
internal static class DlqPurgeCommand
{
    public static Command Create()
    {
        var selection = new Selection();
        var yes = new Option<bool>("--yes") { Description = "Do not ask for confirmation" };
        var by = new Option<string?>("--by") { Description = "Who purges, for the audit trail (default: the OS user)" };
        var command = new Command("purge", "Delete dead letters for good.");
        selection.AddTo(command);
        command.Options.Add(yes);
        command.Options.Add(by);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(async (context, token) =>
        {
            var filter = selection.Read(parse);
            var purgedBy = parse.GetValue(by) is { Length: > 0 } name ? name : Environment.UserName;
            await using var snapshot = await DeadLetterSnapshot.TakeAsync(context, token);
            var selected = snapshot.Entries.Where(filter.Matches).ToList();
            if (selected.Count == 0)
            {
                Console.Out.WriteLine("0 dead letter(s) selected: nothing to purge");
                return ExitCodes.Ok;
            }
            OperatorPrompt.Confirm($"Delete {selected.Count} dead letter(s) from {context.Names.Dead} for good?", parse.GetValue(yes));
            await snapshot.AckAsync(selected, token);
            context.Audit.Warning("Purged {Count} dead letter(s) from {Queue} by {Operator}: {MessageIds}",
                selected.Count, context.Names.Dead, purgedBy, selected.Select(e => e.MessageId).ToArray());
            Console.Out.WriteLine($"purged {selected.Count} dead letter(s): {string.Join(" ", selected.Select(e => e.MessageId))}");
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }
}
