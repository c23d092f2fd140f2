using System.CommandLine;
using System.Text.Json;
using EmailWorker.Diagnostics;
using EmailWorker.Webhooks;

namespace EmailWorker.Cli.Webhooks;

/// <summary><c>emailworker webhooks failures [--endpoint NAME] [--limit N] [--json]</c>: failed webhooks, newest first.</summary>
internal static class WebhooksFailuresCommand
{
    public static Command Create()
    {
        var endpoint = new Option<string?>("--endpoint") { Description = "Only this endpoint's" };
        var limit = new Option<int>("--limit") { Description = "At most this many (1 to 10000)", DefaultValueFactory = _ => 100 };
        var json = new Option<bool>("--json") { Description = "One JSON array instead of a table" };
        var command = new Command("failures", "List failed webhooks (the last attempt failed, or the endpoint answered 410), newest first.");
        command.Options.Add(endpoint);
        command.Options.Add(limit);
        command.Options.Add(json);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(parse, async (context, token) =>
        {
            var count = parse.GetValue(limit);
            if (count is < 1 or > 10_000)
                throw new OperatorException($"--limit is {count}: use 1 to 10000", ExitCodes.Usage);
            var (store, outbox) = await WebhookStoreSession.OpenAsync(context, token);
            await using (store)
            {
                var rows = await outbox.ListOutboxAsync(OutboxState.Failed, parse.GetValue(endpoint), beforeId: null, count, token);
                if (parse.GetValue(json))
                    await WriteJsonAsync(rows, Console.Out);
                else
                    await WriteTextAsync(rows, Console.Out);
            }
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    private static async Task WriteTextAsync(IReadOnlyList<OutboxRow> rows, TextWriter output)
    {
        await output.WriteLineAsync("id\tendpoint\twebhook id\tevent\tmessageId\tattempts\tlast reply\tat");
        foreach (var r in rows)
        {
            await output.WriteLineAsync($"{r.Id}\t{SafeText.Bound(r.Endpoint, 64)}\t{SafeText.Bound(r.WebhookId, 100)}\t{SafeText.Bound(r.EventType, 50)}\t" +
                $"{SafeText.Bound(r.MessageId, 200)}\t{r.Attempts}\t{SafeText.Bound(r.LastError ?? r.LastStatus?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-", 200)}\t{r.UpdatedAt:O}");
        }
        await output.WriteLineAsync($"{rows.Count} failed webhook(s)");
    }

    private static async Task WriteJsonAsync(IReadOnlyList<OutboxRow> rows, TextWriter output)
    {
        using var buffer = new MemoryStream();
        await using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var r in rows)
            {
                writer.WriteStartObject();
                writer.WriteNumber("id", r.Id);
                writer.WriteString("endpoint", r.Endpoint);
                writer.WriteString("webhookId", r.WebhookId);
                writer.WriteString("eventType", r.EventType);
                writer.WriteString("messageId", r.MessageId);
                writer.WriteNumber("attempts", r.Attempts);
                if (r.LastStatus is { } status)
                    writer.WriteNumber("lastStatus", status);
                else
                    writer.WriteNull("lastStatus");
                writer.WriteString("lastError", r.LastError);
                writer.WriteString("createdAt", r.CreatedAt);
                writer.WriteString("failedAt", r.UpdatedAt);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
        await output.WriteLineAsync(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
