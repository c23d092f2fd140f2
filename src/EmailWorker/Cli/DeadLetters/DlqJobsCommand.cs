using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EmailWorker.DeadLetters.Replay;
using EmailWorker.DeadLetters.Store;
using EmailWorker.DeadLetters.Views;
using EmailWorker.Diagnostics;

namespace EmailWorker.Cli.DeadLetters;

/// <summary>
/// <c>emailworker dlq jobs</c>: the replay jobs, newest first; <c>dlq jobs resume &lt;id&gt;</c> goes on after a job's cursor.
/// A job killed while running still says <c>running</c>: whether one runs is not known to the store.
/// </summary>
internal static class DlqJobsCommand
{
    public static Command Create()
    {
        var limit = new Option<int?>("--limit") { Description = "At most this many jobs (default 20)" };
        var json = new Option<bool>("--json") { Description = "A JSON array instead of a table" };
        var command = new Command("jobs", "List replay jobs; resume one that was interrupted, or abandon it.") { Resume(), Abandon() };
        command.Options.Add(limit);
        command.Options.Add(json);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(parse, async (context, token) =>
        {
            if (parse.GetValue(limit) is < 1)
                throw new OperatorException("--limit must be 1 or more", ExitCodes.Usage);
            await using var store = await DeadLetterStoreSession.OpenAsync(context, drain: false, token);
            var jobs = (await store.ListReplayJobsAsync(parse.GetValue(limit) ?? 20, token)).ToList();
            if (parse.GetValue(json))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(jobs, ViewJsonContext.Default.ListReplayJob));
                return ExitCodes.Ok;
            }
            var table = new TextTable("JOB", "STATE", "REPLAYED", "SKIPPED", "TOTAL", "CREATED", "BY", "SELECTION");
            foreach (var job in jobs)
            {
                table.Add(job.Id.ToString(CultureInfo.InvariantCulture), job.State.ToString().ToLowerInvariant(),
                    job.Replayed.ToString(CultureInfo.InvariantCulture), job.Skipped.ToString(CultureInfo.InvariantCulture),
                    job.Total.ToString(CultureInfo.InvariantCulture), job.CreatedAt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                    job.CreatedBy, job.Selection);
            }
            table.WriteTo(Console.Out);
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    /// <summary>
    /// <c>dlq jobs abandon &lt;id&gt;</c>: gives an interrupted job up for good, saying how many letters of its last window may
    /// be in the work queue already. They are still dead: a new replay sends them again, which is what the operator accepts here.
    /// </summary>
    private static Command Abandon()
    {
        var id = new Argument<long>("jobId") { Description = "The job to give up (dlq jobs)" };
        var command = new Command("abandon", "Give up an interrupted replay job for good; a new replay may then select its letters.");
        command.Arguments.Add(id);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(parse, async (context, token) =>
        {
            await using var store = await DeadLetterStoreSession.OpenAsync(context, drain: false, token);
            var jobId = parse.GetValue(id);
            ReplayJob job;
            try
            {
                job = await store.AbandonReplayJobAsync(jobId, DateTimeOffset.UtcNow, token);
            }
            catch (KeyNotFoundException)
            {
                throw new OperatorException($"there is no replay job {jobId}");
            }
            catch (ReplayJobBusyException busy)
            {
                throw new OperatorException($"replay job {busy.JobId} is run by another process (last progress {busy.LastProgressAt:u}): stop that run first");
            }
            if (job.State is ReplayJobState.Completed)
                throw new OperatorException($"replay job {jobId} is completed: nothing to abandon");
            var again = await UnmarkedInWindowAsync(store, job, token);
            context.Audit.Warning("Replay job {JobId} ({Selection}) abandoned at {Cursor}/{Total}, {Unmarked} letter(s) of its last window unmarked",
                job.Id, job.Selection, job.Cursor, job.Total, again);
            Console.Out.WriteLine($"abandoned replay job {job.Id} at {job.Cursor}/{job.Total}; possible duplicates: {again} letter(s) of its last window " +
                "may be in the work queue already (published, not marked replayed): they are still dead, and a new replay sends them again");
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    private static Command Resume()
    {
        var id = new Argument<long>("jobId") { Description = "The job to go on with (dlq jobs)" };
        var rate = new Option<double?>("--rate") { Description = "At most this many messages per second" };
        var by = new Option<string?>("--by") { Description = "Who replays, for the audit trail (default: the OS user)" };
        var command = new Command("resume", "Go on with a replay job after its last marked letter; never sends a letter marked replayed again.");
        command.Arguments.Add(id);
        command.Options.Add(rate);
        command.Options.Add(by);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(parse, async (context, token) =>
        {
            if (parse.GetValue(rate) is <= 0)
                throw new OperatorException("--rate must be a positive number of messages per second", ExitCodes.Usage);
            var replayedBy = parse.GetValue(by) is { Length: > 0 } name ? name : Environment.UserName;
            await using var store = await DeadLetterStoreSession.OpenAsync(context, drain: false, token);
            var jobId = parse.GetValue(id);
            var job = await store.GetReplayJobAsync(jobId, token) ?? throw new OperatorException($"there is no replay job {jobId}");
            if (job.State is ReplayJobState.Completed or ReplayJobState.Cancelled)
                throw new OperatorException($"replay job {jobId} is {job.State.ToString().ToLowerInvariant()}: nothing to resume");
            // The window published before the interruption and not marked: its letters may be in the work queue already and
            // are sent again (the letters marked replayed never are).
            if (job.InFlightUntil > job.Cursor)
            {
                var again = await UnmarkedInWindowAsync(store, job, token);
                Console.Out.WriteLine($"possible duplicates: {again} letter(s) were published before the interruption and not marked replayed; " +
                    $"they are sent again (at most one window, {ReplayJobRunner.Window} letters)");
            }
            Console.Out.WriteLine($"resuming replay job {job.Id} at {job.Cursor}/{job.Total}");
            return await DlqReplayCommand.RunAsync(context, store, job, replayedBy, parse.GetValue(rate), token);
        }, cancellationToken));
        return command;
    }

    /// <summary>The letters of the job's last window still dead (published perhaps, never marked), read a byte budget at a time.</summary>
    private static async Task<int> UnmarkedInWindowAsync(IDeadLetterStore store, ReplayJob job, CancellationToken cancellationToken)
    {
        var unmarked = 0;
        for (var at = job.Cursor; at < job.InFlightUntil;)
        {
            var batch = await store.ReadJobLettersAsync(job.Id, at, job.InFlightUntil, LetterBudget.BytesPerRead, cancellationToken);
            unmarked += batch.Letters.Count(l => l.Letter.State == LetterState.Dead);
            at = batch.Until;
        }
        return unmarked;
    }
}
