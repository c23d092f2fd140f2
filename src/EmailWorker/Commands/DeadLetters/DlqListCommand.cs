using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EmailWorker.Hosting;
using EmailWorker.Operations;

namespace EmailWorker.Commands.DeadLetters;

/// <summary><c>emailworker dlq list</c>: one row per dead letter, oldest first. Reading changes neither contents nor order.</summary>
internal static class DlqListCommand
{
    public static Command Create()
    {
        var filters = new FilterOptions();
        var limit = new Option<int?>("--limit") { Description = "At most this many rows" };
        var json = new Option<bool>("--json") { Description = "A JSON array instead of a table" };
        var command = new Command("list", "List dead letters with their failure class, reason and SMTP reply.");
        filters.AddTo(command);
        command.Options.Add(limit);
        command.Options.Add(json);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(async (context, token) =>
        {
            var filter = filters.Read(parse);
            if (parse.GetValue(limit) is < 1)
                throw new OperatorException("--limit must be 1 or more", ExitCodes.Usage);
            await using var snapshot = await DeadLetterSnapshot.TakeAsync(context, token);
            var rows = snapshot.Entries.Where(filter.Matches).Take(parse.GetValue(limit) ?? int.MaxValue).Select(DeadLetterRow.From).ToList();
            if (parse.GetValue(json))
                Console.Out.WriteLine(JsonSerializer.Serialize(rows, CliJsonContext.Default.ListDeadLetterRow));
            else
                WriteTable(rows, Console.Out);
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    private static void WriteTable(List<DeadLetterRow> rows, TextWriter output)
    {
        var table = new TextTable("MESSAGE ID", "CLASS", "SMTP", "ATTEMPTS", "LAST FAILURE", "REPLAYS", "RECIPIENTS", "SUBJECT", "REASON");
        foreach (var row in rows)
        {
            table.Add(row.MessageId, row.Class, $"{row.SmtpCode} {row.EnhancedCode}".Trim(), row.Attempts.ToString(CultureInfo.InvariantCulture),
                row.LastFailureAt?.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "", row.ReplayCount.ToString(CultureInfo.InvariantCulture),
                string.Join(",", row.Recipients), row.Subject ?? "", row.Reason);
        }
        table.WriteTo(output);
        output.WriteLine($"{rows.Count} dead letter(s)");
    }
}
