using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EmailWorker.DeadLetters.Store;
using EmailWorker.DeadLetters.Views;
using EmailWorker.Diagnostics;
using EmailWorker.Messages;

namespace EmailWorker.Cli.DeadLetters;

/// <summary>
/// <c>emailworker dlq show &lt;id&gt;</c>: everything about one letter (by letter id) or one message's dead letters (by
/// messageId), with the edit that replaced it or made it (<see cref="EditRecordText"/>); with <c>--raw</c> each letter as it came instead: every AMQP property and header and the body's bytes,
/// escaped (<see cref="RawLetterText"/>), or with <c>--json</c> the body as base64.
/// </summary>
internal static class DlqShowCommand
{
    private const int MaxLetters = 100;

    public static Command Create()
    {
        var id = new Argument<string>("id") { Description = "A letter id, or the messageId of the dead letter" };
        var json = new Option<bool>("--json") { Description = "JSON instead of text" };
        var history = new Option<bool>("--history") { Description = "Also the message's letters already replayed or purged" };
        var raw = new Option<bool>("--raw")
        {
            Description = "The letter as it came: every AMQP property and header and the body's bytes escaped (with --json: as base64), at most 1 MiB of body",
        };
        var command = new Command("show", "Show the failure record, every attempt, the headers and a body summary of a dead letter.");
        command.Arguments.Add(id);
        command.Options.Add(json);
        command.Options.Add(history);
        command.Options.Add(raw);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(parse, async (context, token) =>
        {
            var wanted = parse.GetValue(id)!;
            await using var store = await DeadLetterStoreSession.OpenAsync(context, drain: true, token);
            // A letter id names one letter, shown whatever its state; a messageId its dead letters (one message can have
            // several, e.g. one for refused recipients and one for the rest after its retries).
            var letters = LetterSelection.IsLetterId(wanted) && await store.GetAsync(wanted, token) is { } one
                ? [one]
                : (await store.GetByMessageIdAsync(wanted, MaxLetters, token)).ToList();
            var shown = parse.GetValue(history) || letters.Count == 1 && letters[0].LetterId == wanted
                ? letters : letters.Where(l => l.State == LetterState.Dead).ToList();
            if (shown.Count == 0)
            {
                var earlier = letters.Count > 0 ? $" ({letters.Count} replayed or purged: dlq show {SafeText.Bound(wanted, 200)} --history)" : "";
                throw new OperatorException($"no dead letter with messageId '{SafeText.Bound(wanted, 200)}' in the store{earlier}");
            }
            if (parse.GetValue(raw))
            {
                if (parse.GetValue(json))
                    Console.Out.WriteLine(JsonSerializer.Serialize(shown.ConvertAll(l => RawLetter.From(l, RawLetterText.ShownBytes)),
                        ViewJsonContext.Default.ListRawLetter));
                else
                    shown.ForEach(letter => RawLetterText.Write(letter, Console.Out));
                return ExitCodes.Ok;
            }
            // Every letter shown is of one message (a messageId, or the one letter an id names): one ledger read.
            var ledger = await LedgerRow.ReadAsync(store, shown[0].MessageId, token);
            var details = shown.ConvertAll(letter => DeadLetterDetail.From(letter, ledger));
            if (parse.GetValue(json))
                Console.Out.WriteLine(JsonSerializer.Serialize(details, ViewJsonContext.Default.ListDeadLetterDetail));
            else
            {
                for (var i = 0; i < details.Count; i++)
                {
                    Write(details[i], Console.Out);
                    if (await store.GetEditAsync(shown[i].LetterId, token) is { } edit)
                        EditRecordText.Write(edit, shown[i].LetterId, Console.Out);
                }
                LedgerRows.Write(ledger, Console.Out);
            }
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    private static void Write(DeadLetterDetail detail, TextWriter output)
    {
        var record = detail.Record;
        output.WriteLine($"letter id       {record.LetterId}");
        output.WriteLine($"messageId       {Safe(record.MessageId)}");
        output.WriteLine($"state           {record.State}{Mark("replayed", record.Replayed)}{Mark("purged", record.Purged)}");
        output.WriteLine($"class           {record.Class}");
        output.WriteLine($"group           {Safe(record.Group)}");
        output.WriteLine($"reason          {Safe(record.Reason)}");
        output.WriteLine($"smtp reply      {record.SmtpCode} {Safe(record.EnhancedCode)}".TrimEnd());
        output.WriteLine($"attempts        {record.Attempts}");
        output.WriteLine($"first failure   {record.FirstFailureAt:O}");
        output.WriteLine($"last failure    {record.LastFailureAt:O}");
        output.WriteLine($"replays         {record.ReplayCount}");
        output.WriteLine($"recipients      {Safe(record.Recipients)}");
        var body = detail.Body;
        output.WriteLine($"body            {body.Bytes} bytes{(body.ValidJson ? "" : ", not a valid SendEmail")}");
        output.WriteLine($"subject         {Safe(body.Subject)}");
        output.WriteLine($"from            {Safe(body.Sender)}");
        output.WriteLine($"to / cc / bcc   {Safe(body.To)} / {Safe(body.Cc)} / {body.BccCount} hidden");
        output.WriteLine($"text / html     {body.TextLength?.ToString(CultureInfo.InvariantCulture) ?? "-"} / {body.HtmlLength?.ToString(CultureInfo.InvariantCulture) ?? "-"} characters");
        foreach (var attachment in body.Attachments)
            output.WriteLine($"attachment      {SafeText.Bound(attachment.FileName, 200)} ({SafeText.Bound(attachment.ContentType, 100)}, {attachment.Bytes} bytes)");
        foreach (var (name, value) in body.Tags.OrderBy(t => t.Key, StringComparer.Ordinal))
            output.WriteLine($"tag             {Safe(name)}={Safe(value)}");
        if (body.CorrelationId is not null)
            output.WriteLine($"correlation id  {Safe(body.CorrelationId)}");
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
            output.WriteLine($"  {SafeText.Bound(name, 200)}: {SafeText.Bound(value ?? "")}");
        output.WriteLine();
    }

    // Every field below comes from a producer or a relay: escaped and bounded, one line each.
    private static string Safe(string? text) => SafeText.Bound(text);

    private static string Safe(IEnumerable<string> texts) => SafeText.Bound(string.Join(", ", texts));

    private static string Mark(string what, LetterMark? mark) =>
        mark is null ? "" : $", {what} {mark.At:O} by {SafeText.Bound(mark.By, 200)}";
}
