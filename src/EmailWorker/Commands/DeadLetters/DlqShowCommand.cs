using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EmailWorker.Hosting;
using EmailWorker.Logging;
using EmailWorker.Operations;
using EmailWorker.Routing;

namespace EmailWorker.Commands.DeadLetters;

/// <summary><c>emailworker dlq show &lt;messageId&gt;</c>: everything about one message's dead letters.</summary>
internal static class DlqShowCommand
{
    public static Command Create()
    {
        var messageId = new Argument<string>("messageId") { Description = "The messageId of the dead letter" };
        var json = new Option<bool>("--json") { Description = "JSON instead of text" };
        var command = new Command("show", "Show the failure record, every attempt, the headers and a body summary of a dead letter.");
        command.Arguments.Add(messageId);
        command.Options.Add(json);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(async (context, token) =>
        {
            var id = parse.GetValue(messageId)!;
            await using var snapshot = await DeadLetterSnapshot.TakeAsync(context, token);
            // One message can have several dead letters, e.g. one for refused recipients and one for the rest after its retries.
            var details = snapshot.Entries.Where(e => e.MessageId == id).Select(DeadLetterDetail.From).ToList();
            if (details.Count == 0)
                throw new OperatorException($"no dead letter with messageId '{id}' in {context.Names.Dead}");
            if (parse.GetValue(json))
                Console.Out.WriteLine(JsonSerializer.Serialize(details, CliJsonContext.Default.ListDeadLetterDetail));
            else
                details.ForEach(detail => Write(detail, Console.Out));
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    private static void Write(DeadLetterDetail detail, TextWriter output)
    {
        var record = detail.Record;
        output.WriteLine($"messageId       {record.MessageId}");
        output.WriteLine($"class           {record.Class}");
        output.WriteLine($"reason          {record.Reason}");
        output.WriteLine($"smtp reply      {record.SmtpCode} {record.EnhancedCode}".TrimEnd());
        output.WriteLine($"attempts        {record.Attempts}");
        output.WriteLine($"first failure   {record.FirstFailureAt:O}");
        output.WriteLine($"last failure    {record.LastFailureAt:O}");
        output.WriteLine($"replays         {record.ReplayCount}");
        output.WriteLine($"recipients      {string.Join(", ", record.Recipients)}");
        var body = detail.Body;
        output.WriteLine($"body            {body.Bytes} bytes, {body.ContentType}{(body.ValidJson ? "" : ", not a valid SendEmail")}");
        output.WriteLine($"subject         {body.Subject}");
        output.WriteLine($"from            {body.Sender}");
        output.WriteLine($"to / cc / bcc   {string.Join(", ", body.To)} / {string.Join(", ", body.Cc)} / {body.BccCount} hidden");
        output.WriteLine($"text / html     {body.TextLength?.ToString(CultureInfo.InvariantCulture) ?? "-"} / {body.HtmlLength?.ToString(CultureInfo.InvariantCulture) ?? "-"} characters");
        foreach (var attachment in body.Attachments)
            output.WriteLine($"attachment      {attachment.FileName} ({attachment.ContentType}, {attachment.Bytes} bytes)");
        output.WriteLine("history:");
        var table = new TextTable("ATTEMPT", "AT", "OUTCOME", "CLASS", "SMTP", "WORKER", "MESSAGE");
        foreach (var entry in detail.History)
        {
            table.Add(entry.Attempt.ToString(CultureInfo.InvariantCulture), entry.At.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                entry.Outcome, entry.Class, $"{entry.SmtpCode} {entry.EnhancedCode}".Trim(), entry.Worker, entry.Message);
        }
        table.WriteTo(output);
        output.WriteLine("headers:");
        // Header names and values come from producers and relays: bounded and escaped before they reach a terminal.
        foreach (var (name, value) in detail.Headers.OrderBy(h => h.Key, StringComparer.Ordinal).Where(h => h.Key != HeaderNames.History))
            output.WriteLine($"  {SafeText.Bound(name, 200)}: {SafeText.Bound(value)}");
        output.WriteLine();
    }
}
