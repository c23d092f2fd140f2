using System.CommandLine;
using EmailWorker.DeadLetters.Replay;
using EmailWorker.DeadLetters.Store;
using EmailWorker.DeadLetters.Views;
using EmailWorker.Diagnostics;

namespace EmailWorker.Cli.DeadLetters;

/// <summary>
/// <c>emailworker dlq export --to &lt;dir&gt;</c>: each selected letter as it came, in two files named by its letter id —
/// <c>&lt;id&gt;.body</c> (the body's exact bytes) and <c>&lt;id&gt;.properties.json</c> (record, AMQP properties, headers,
/// attempts; <see cref="RawLetter"/>). Selected as <c>dlq replay</c> and <c>purge</c> select, from the letters stored
/// when it starts, and read a page of the store at a time (at most <see cref="LetterBudget.BytesPerRead"/> of bodies), so
/// it exports any number. A letter whose files exist already is left as it is and counted as refused: nothing is overwritten.
/// </summary>
internal static class DlqExportCommand
{
    private const int Sample = 20;
    private const int ProgressEvery = 1000;
    private const int RefusalsNamed = 20;

    public static Command Create()
    {
        var selection = new SelectionOptions(acts: true);
        var to = new Option<string>("--to") { Description = "The directory to write into (created if missing)", Required = true };
        var limit = new Option<long?>("--limit") { Description = "At most this many letters" };
        var history = new Option<bool>("--history") { Description = "Also letters already replayed or purged" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Only print how many letters would be written, and a sample" };
        var command = new Command("export", "Write dead letters as they came: <id>.body (the exact bytes) and <id>.properties.json, never overwriting a file.");
        selection.AddTo(command);
        foreach (var option in new Option[] { to, limit, history, dryRun })
            command.Options.Add(option);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(parse, async (context, token) =>
        {
            var read = selection.Read(parse);
            if (LetterSelection.LimitProblem(parse.GetValue(limit), "--limit") is { } problem)
                throw new OperatorException(problem, ExitCodes.Usage);
            var directory = Path.GetFullPath(parse.GetValue(to)!);
            if (File.Exists(directory))
                throw new OperatorException($"--to {SafeText.Bound(directory, 300)} is a file, not a directory", ExitCodes.Usage);
            if (parse.GetValue(history))
                read = read with { State = null };
            await using var store = await DeadLetterStoreSession.OpenAsync(context, drain: true, token);
            // What the dry run counts is what a run without it would take of the letters stored now.
            var selected = await SelectionOptions.AsOfNowAsync(read, store, token);
            if (parse.GetValue(dryRun))
            {
                var sample = await selected.StreamAsync(store, Math.Min(Sample, parse.GetValue(limit) ?? Sample), token).Select(l => l.MessageId).ToListAsync(token);
                var count = selected.InStore ? await store.CountAsync(selected, token) : await CountAsync(selected, store, token);
                count = Math.Min(count, parse.GetValue(limit) ?? long.MaxValue);
                Console.Out.WriteLine($"{count} letter(s) selected, to be written to {SafeText.Bound(directory, 300)}: " +
                    $"{SafeText.Bound(string.Join(" ", sample))}{(count > sample.Count ? " …" : "")}");
                return ExitCodes.Ok;
            }
            Directory.CreateDirectory(directory);
            var files = new ExportFiles(directory);
            long written = 0, refused = 0, bytes = 0;
            try
            {
                await foreach (var letter in selected.StreamAsync(store, parse.GetValue(limit), token))
                {
                    if (files.Write(letter))
                    {
                        written++;
                        bytes += letter.LoadedContent.Body.Length;
                    }
                    else if (++refused <= RefusalsNamed)
                        await Console.Error.WriteLineAsync($"refused {letter.LetterId}: {letter.LetterId}.body or .properties.json exists, not overwritten");
                    if ((written + refused) % ProgressEvery == 0)
                        await Console.Error.WriteLineAsync($"exported {written} letter(s), {refused} refused");
                }
            }
            finally
            {
                // The letters' content lies outside the store from now on: who took how many, and where to, as for a replay
                // or purge — also when the export stopped part way.
                context.Audit.Information("Exported {Count} dead letter(s) ({Bytes} body bytes) from {Store} to {Directory} by {Operator}, " +
                    "selection {Selection}; {Refused} refused (files exist)",
                    written, bytes, store.Description, directory, Environment.UserName, SelectionOptions.Describe(parse), refused);
            }
            Console.Out.WriteLine($"exported {written} letter(s) ({bytes} body bytes) to {SafeText.Bound(directory, 300)}" +
                (refused > 0 ? $"; {refused} refused: their files exist and were not overwritten" : ""));
            return refused > 0 ? ExitCodes.Failure : ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    /// <summary>A selection the store's SQL cannot count alone (named letters, a tag), counted as it streams.</summary>
    private static async Task<long> CountAsync(LetterSelection selection, IDeadLetterStore store, CancellationToken cancellationToken)
    {
        long count = 0;
        await foreach (var _ in selection.StreamAsync(store, null, cancellationToken))
            count++;
        return count;
    }
}
