using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EmailWorker.DeadLetters.Replay;
using EmailWorker.DeadLetters.Store;
using EmailWorker.DeadLetters.Views;
using EmailWorker.Diagnostics;

namespace EmailWorker.Cli.DeadLetters;

/// <summary>
/// <c>emailworker dlq list</c>: one row per dead letter in the store, oldest first, streamed — a page of the store in
/// memory at a time, however many match. <c>--history</c> lists replayed and purged letters too.
/// </summary>
internal static class DlqListCommand
{
    public static Command Create()
    {
        var filters = new SelectionOptions();
        var limit = new Option<long?>("--limit") { Description = "At most this many rows" };
        var json = new Option<bool>("--json") { Description = "A JSON array instead of a table" };
        var history = new Option<bool>("--history") { Description = "Also letters already replayed or purged" };
        var command = new Command("list", "List dead letters with their failure class, reason and SMTP reply.");
        filters.AddTo(command);
        foreach (var option in new Option[] { limit, json, history })
            command.Options.Add(option);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(parse, async (context, token) =>
        {
            var selection = filters.Read(parse);
            if (LetterSelection.LimitProblem(parse.GetValue(limit), "--limit") is { } problem)
                throw new OperatorException(problem, ExitCodes.Usage);
            if (parse.GetValue(history))
                selection = selection with { State = null };
            await using var store = await DeadLetterStoreSession.OpenAsync(context, drain: true, token);
            var rows = selection.StreamAsync(store, parse.GetValue(limit), token);
            if (parse.GetValue(json))
                await WriteJsonAsync(rows, token);
            else
                await WriteTableAsync(rows, Console.Out, token);
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    /// <summary>A JSON array written as the letters come: never the whole list in memory.</summary>
    private static async Task WriteJsonAsync(IAsyncEnumerable<DeadLetter> letters, CancellationToken cancellationToken)
    {
        await using var stdout = Console.OpenStandardOutput();
        await using var writer = new Utf8JsonWriter(stdout, new JsonWriterOptions { Indented = true });
        writer.WriteStartArray();
        await foreach (var letter in letters)
        {
            JsonSerializer.Serialize(writer, DeadLetterView.From(letter), ViewJsonContext.Default.DeadLetterView);
            if (writer.BytesPending > 64 * 1024)
                await writer.FlushAsync(cancellationToken);
        }
        writer.WriteEndArray();
        await writer.FlushAsync(cancellationToken);
        await stdout.WriteAsync("\n"u8.ToArray(), cancellationToken);
    }

    /// <summary>A table in blocks of 500 rows (each block padded on its own), so a long list starts at once.</summary>
    private static async Task WriteTableAsync(IAsyncEnumerable<DeadLetter> letters, TextWriter output, CancellationToken cancellationToken)
    {
        long count = 0;
        TextTable? table = null;
        await foreach (var letter in letters.WithCancellation(cancellationToken))
        {
            table ??= new TextTable("MESSAGE ID", "CLASS", "SMTP", "ATTEMPTS", "LAST FAILURE", "REPLAYS", "RECIPIENTS", "SUBJECT", "REASON", "LETTER ID");
            var row = DeadLetterView.From(letter);
            table.Add(row.MessageId, row.Class, $"{row.SmtpCode} {row.EnhancedCode}".Trim(), row.Attempts.ToString(CultureInfo.InvariantCulture),
                row.LastFailureAt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), row.ReplayCount?.ToString(CultureInfo.InvariantCulture) ?? "",
                string.Join(",", row.Recipients), row.Subject ?? "", row.Reason, row.LetterId);
            if (++count % 500 == 0)
            {
                table.WriteTo(output);
                table = null;
            }
        }
        table?.WriteTo(output);
        if (count == 0)
            new TextTable("MESSAGE ID", "CLASS", "SMTP", "ATTEMPTS", "LAST FAILURE", "REPLAYS", "RECIPIENTS", "SUBJECT", "REASON", "LETTER ID").WriteTo(output);
        output.WriteLine($"{count} dead letter(s)");
    }
}
