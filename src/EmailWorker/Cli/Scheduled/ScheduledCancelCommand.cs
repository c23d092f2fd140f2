using System.CommandLine;
using EmailWorker.Contracts;
using EmailWorker.Diagnostics;
using EmailWorker.Scheduling;

namespace EmailWorker.Cli.Scheduled;

/// <summary>
/// <c>emailworker scheduled cancel &lt;messageId&gt;</c>: a held message is never sent (its body is dropped, the row kept as
/// <c>cancelled</c>); exit code 1 when it is not held (unknown, cancelled before, released, or being released now). No
/// <c>--json</c>: the audit line goes to standard output too (as for <c>dlq purge</c>); <c>scheduled list --all --json</c>
/// shows the row.
/// </summary>
internal static class ScheduledCancelCommand
{
    public static Command Create()
    {
        var messageId = new Argument<string>("messageId") { Description = "The messageId of the held message" };
        var command = new Command("cancel", "Cancel a message held until its sendAt: it is never sent.");
        command.Arguments.Add(messageId);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(parse, async (context, token) =>
        {
            var id = parse.GetValue(messageId) ?? "";
            if (!SendEmailValidator.IsValidMessageId(id))
                throw new OperatorException($"'{SafeText.Bound(id, 200)}' is not a messageId (1-200 characters of A-Z, a-z, 0-9 and . _ : @ -)", ExitCodes.Usage);
            var (store, scheduled) = await ScheduledStoreSession.OpenAsync(context, token);
            await using (store)
            {
                var outcome = await scheduled.CancelScheduledAsync(id, Environment.UserName, DateTimeOffset.UtcNow, token);
                if (outcome != CancelOutcome.Cancelled)
                    throw new OperatorException(Problem(id, outcome));
                context.Audit.Warning("Scheduled message {MessageId} cancelled by {Operator} in {Store}", id, Environment.UserName, store.Description);
                var entry = await scheduled.GetScheduledAsync(id, token);
                await Console.Out.WriteLineAsync($"cancelled {id}{(entry is null ? "" : $" (was due at {entry.SendAt:O})")}: it will not be sent");
            }
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    private static string Problem(string id, CancelOutcome outcome) => outcome switch
    {
        CancelOutcome.NotFound => $"no scheduled message has the messageId {id}",
        CancelOutcome.AlreadyCancelled => $"{id} was cancelled before",
        CancelOutcome.AlreadyReleased => $"too late: {id} was released to the work queue when it was due",
        _ => $"too late: {id} is being released to the work queue at this moment",
    };
}
