using System.CommandLine;
using EmailWorker.DeadLetters.Edit;
using EmailWorker.DeadLetters.Store;
using EmailWorker.Diagnostics;

namespace EmailWorker.Cli.DeadLetters;

/// <summary>
/// <c>emailworker dlq edit &lt;letterId&gt;</c>: edit &amp; retry. Prints the difference (escaped), refuses an edit the
/// producers' validator refuses, asks, then has the store mark the letter edited and queue its edited copy in one
/// transaction, and sends the copy through a replay job of one letter (resumed with <c>dlq jobs resume</c> if interrupted).
/// </summary>
internal static class DlqEditCommand
{
    /// <summary>The role an edit from the command line is audited with (the dashboard's are viewer and operator).</summary>
    public const string Role = "cli";

    public static Command Create()
    {
        var id = new Argument<string>("letterId") { Description = "The letter id of the dead letter to edit" };
        var changes = new EditOptions();
        var dryRun = new Option<bool>("--dry-run") { Description = "Only print the difference and whether the edit is valid" };
        var yes = new Option<bool>("--yes") { Description = "Do not ask for confirmation" };
        var by = new Option<string?>("--by") { Description = "Who edits, for the audit trail (default: the OS user)" };
        var command = new Command("edit", "Edit a dead letter's recipients, subject, bodies or headers and send the edited copy in its place.");
        command.Arguments.Add(id);
        changes.AddTo(command);
        foreach (var option in new Option[] { dryRun, yes, by })
            command.Options.Add(option);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(parse, async (context, token) =>
        {
            var letterId = parse.GetValue(id)!;
            if (!LetterSelection.IsLetterId(letterId))
                throw new OperatorException($"'{SafeText.Bound(letterId, 200)}' is not a letter id (32 hex digits: dlq list shows them)", ExitCodes.Usage);
            var editedBy = parse.GetValue(by) is { Length: > 0 } name ? SafeText.Bound(name, 200) : Environment.UserName;
            var limits = EditLimits.From(context.Delivery);
            await using var store = await DeadLetterStoreSession.OpenAsync(context, drain: false, token);
            // One byte over the limit tells a body too big to edit from one that fits, without reading a huge one whole.
            var letter = await store.PreviewAsync(letterId, limits.MaxMessageBytes + 1, token)
                ?? throw new OperatorException($"there is no letter {letterId} in the store");
            var original = LetterEditor.CommandOf(letter)
                ?? throw new OperatorException($"letter {letterId} is not a SendEmail of at most {limits.MaxMessageBytes} bytes: it cannot be edited " +
                    "(dlq export writes it as it came)");
            var edited = await changes.EditedAsync(parse, original, limits.MaxMessageBytes, token);
            var prepared = LetterEditor.Prepare(letter, original, edited, limits, DateTimeOffset.UtcNow);
            Console.Out.WriteLine($"edit of letter {letterId} (message {SafeText.Bound(letter.MessageId, 200)}):");
            foreach (var line in prepared.Diff)
                Console.Out.WriteLine($"{line.Kind} {line.Field}: {SafeText.Bound(line.Text, SendEmailDiff.MaxLineLength + 1)}");
            if (!prepared.IsValid)
                throw new OperatorException($"the edit is refused: {string.Join("; ", prepared.Problems.Select(p => SafeText.Bound(p, 300)))}", ExitCodes.Usage);
            if (parse.GetValue(dryRun))
                return ExitCodes.Ok;
            OperatorPrompt.Confirm($"Send the edited message to {context.Names.Work} in place of letter {letterId}?", parse.GetValue(yes));
            QueuedEdit queued;
            try
            {
                queued = await store.EditAsync(letterId, prepared.Letter!, new LetterMark(DateTimeOffset.UtcNow, editedBy), Role, token);
            }
            catch (LetterNotEditableException notEditable)
            {
                throw new OperatorException($"nothing was changed: {notEditable.Message}");
            }
            catch (ReplayJobBusyException busy)
            {
                throw new OperatorException($"nothing was changed: replay job {busy.JobId} is in progress (last progress {busy.LastProgressAt:u}); " +
                    "it may be sending this letter: wait for it to end, then edit");
            }
            catch (ReplayJobInterruptedException interrupted)
            {
                throw new OperatorException($"nothing was changed: {DlqReplayCommand.Interrupted(interrupted)}");
            }
            context.Audit.Information("Letter {LetterId} (message {MessageId}) edited by {Operator} as letter {EditedLetterId}, sent by replay job {JobId}",
                letterId, letter.MessageId, editedBy, queued.Edit.EditedLetterId, queued.Job.Id);
            await Console.Error.WriteLineAsync($"letter {letterId} is marked edited; its edited copy {queued.Edit.EditedLetterId} goes out through replay job " +
                $"{queued.Job.Id} (if interrupted, resume with: emailworker dlq jobs resume {queued.Job.Id})");
            return await DlqReplayCommand.RunAsync(context, store, queued.Job, editedBy, null, token);
        }, cancellationToken));
        return command;
    }
}
