using System.CommandLine;
using EmailWorker.DeadLetters.Replay;
using EmailWorker.DeadLetters.Store;
using EmailWorker.Diagnostics;
using EmailWorker.Broker;
using Microsoft.Extensions.Logging;
using Serilog.Extensions.Logging;

namespace EmailWorker.Cli.DeadLetters;

/// <summary>
/// <c>emailworker dlq replay</c>: a replay job over exactly the selected dead letters, fixed when it starts (letters stored
/// later never join it), run by <see cref="ReplayJobRunner"/>. Interrupted or killed, it is resumed with <c>dlq jobs resume</c>.
/// </summary>
internal static class DlqReplayCommand
{
    private const int Sample = 20;

    public static Command Create()
    {
        var selection = new SelectionOptions(acts: true);
        var dryRun = new Option<bool>("--dry-run") { Description = "Only print how many letters would be replayed, and a sample" };
        var rate = new Option<double?>("--rate") { Description = "At most this many messages per second" };
        var yes = new Option<bool>("--yes") { Description = "Do not ask for confirmation" };
        var by = new Option<string?>("--by") { Description = "Who replays, for the audit trail (default: the OS user)" };
        var command = new Command("replay", "Move dead letters back to the work queue, with their attempt counter reset, as a resumable job.");
        selection.AddTo(command);
        foreach (var option in new Option[] { dryRun, rate, yes, by })
            command.Options.Add(option);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(parse, async (context, token) =>
        {
            var read = selection.Read(parse);
            if (parse.GetValue(rate) is <= 0)
                throw new OperatorException("--rate must be a positive number of messages per second", ExitCodes.Usage);
            var replayedBy = parse.GetValue(by) is { Length: > 0 } name ? name : Environment.UserName;
            await using var store = await DeadLetterStoreSession.OpenAsync(context, drain: true, token);
            // What the prompt counts is what the job takes: letters stored while the operator answers are not part of it.
            var selected = await SelectionOptions.AsOfNowAsync(read, store, token);
            var ids = selected.InStore ? null : await DlqPurgeCommand.CollectIdsAsync(selected, store, token);
            var count = ids?.Count ?? await store.CountAsync(selected, token);
            var sample = ids?.Take(Sample).Select(i => i.MessageId).ToList()
                ?? await store.StreamAsync(selected, Sample, cancellationToken: token).Select(s => s.MessageId).ToListAsync(token);
            Console.Out.WriteLine($"{count} dead letter(s) selected: {SafeText.Bound(string.Join(" ", sample))}{(count > sample.Count ? " …" : "")}");
            if (parse.GetValue(dryRun) || count == 0)
                return ExitCodes.Ok;
            OperatorPrompt.Confirm($"Replay {count} dead letter(s) to {context.Names.Work}?", parse.GetValue(yes));

            var created = new LetterMark(DateTimeOffset.UtcNow, replayedBy);
            var description = SelectionOptions.Describe(parse);
            ReplayJob job;
            try
            {
                job = ids is null
                    ? await store.CreateReplayJobAsync(selected, description, created, token)
                    : await store.CreateReplayJobAsync(ids.ConvertAll(i => i.LetterId), description, created, token);
            }
            catch (ReplayJobBusyException busy)
            {
                throw new OperatorException($"replay job {busy.JobId} is in progress (last progress {busy.LastProgressAt:u}): wait for it to end, " +
                    $"or if it was stopped, resume it with 'emailworker dlq jobs resume {busy.JobId}' — two jobs at once could send the same letters twice");
            }
            catch (ReplayJobInterruptedException interrupted)
            {
                throw new OperatorException(Interrupted(interrupted));
            }
            await Console.Error.WriteLineAsync($"replay job {job.Id}: {job.Total} letter(s); if interrupted, resume with: emailworker dlq jobs resume {job.Id}");
            return await RunAsync(context, store, job, replayedBy, parse.GetValue(rate), token);
        }, cancellationToken));
        return command;
    }

    /// <summary>Why a new replay waits for an interrupted job, and the operator's two ways on (the dashboard says the same).</summary>
    public static string Interrupted(ReplayJobInterruptedException interrupted) =>
        $"replay job {interrupted.JobId} was interrupted with {interrupted.Unmarked} letter(s) published and not marked replayed: they may be in " +
        "the work queue already, and a new replay would send them again without saying so. Resume it with " +
        $"'emailworker dlq jobs resume {interrupted.JobId}' (it reports them as possible duplicates), or give it up with " +
        $"'emailworker dlq jobs abandon {interrupted.JobId}' and replay again";

    /// <summary>Runs the job and writes its one audit event, whether it completes or stops.</summary>
    public static async Task<int> RunAsync(OperatorContext context, IDeadLetterStore store, ReplayJob job, string replayedBy, double? rate,
        CancellationToken cancellationToken)
    {
        var before = job.Replayed;
        try
        {
            try
            {
                // The command's composition: the publishers on the command's connection, their drops logged like its audit.
                using var logs = new SerilogLoggerFactory(context.Audit);
                await using var publishing = await OperatorPublishing.StartAsync(context, logs.CreateLogger<StatusEventPublisher>());
                job = await new ReplayJobRunner(context, store, publishing.Mover, publishing.Events, replayedBy, new ReplayProgressWriter(Console.Error))
                    .RunAsync(job, rate, cancellationToken);
            }
            catch (ReplayJobBusyException busy)
            {
                throw new OperatorException($"replay job {busy.JobId} is run by another process (last progress {busy.LastProgressAt:u}): " +
                    "two runs of one job could send the same letters twice; wait for it to end, or if it was killed, resume it " +
                    $"{SqlDeadLetterStore.ActiveJobSilence.TotalSeconds:0} s after its last progress");
            }
            Console.Out.WriteLine($"replayed {job.Replayed - before} dead letter(s) to {context.Names.Work} (job {job.Id}: {job.Replayed}/{job.Total} replayed, {job.Skipped} skipped)");
            return ExitCodes.Ok;
        }
        finally
        {
            var now = await store.GetReplayJobAsync(job.Id, CancellationToken.None) ?? job;
            context.Audit.Information("Replay job {JobId} ({Selection}) by {Operator}: {Replayed} dead letter(s) replayed to {Queue} in this run, " +
                "{Total} in the job, {Skipped} skipped, state {State}", now.Id, now.Selection, replayedBy, now.Replayed - before, context.Names.Work,
                now.Total, now.Skipped, now.State);
        }
    }
}
