using System.CommandLine;
using System.Text.Json;
using EmailWorker.Configuration;
using EmailWorker.Diagnostics;
using EmailWorker.Webhooks;

namespace EmailWorker.Cli.Webhooks;

/// <summary><c>emailworker webhooks list [--json]</c>: each configured endpoint, whether a 410 disabled it, and its outbox counts. Never a secret.</summary>
internal static class WebhooksListCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "One JSON array instead of a table" };
        var command = new Command("list", "List the webhook endpoints: URL, events, state and how many webhooks are pending, delivered and failed.");
        command.Options.Add(json);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(parse, async (context, token) =>
        {
            var options = WebhookStoreSession.Options(context);
            var (store, outbox) = await WebhookStoreSession.OpenAsync(context, token);
            await using (store)
            {
                var counts = (await outbox.CountOutboxAsync(token)).ToDictionary(c => c.Endpoint, StringComparer.Ordinal);
                var disabled = (await outbox.DisabledEndpointsAsync(token)).ToDictionary(d => d.Endpoint, StringComparer.Ordinal);
                var rows = options.Endpoints.Select(e =>
                {
                    var count = counts.GetValueOrDefault(e.Name);
                    var gone = disabled.TryGetValue(e.Name, out var d) && d.Url == new Uri(e.Url).AbsoluteUri ? d : null;
                    return (Endpoint: e, Count: count, DisabledAt: gone?.DisabledAt);
                }).ToList();
                if (parse.GetValue(json))
                    await WriteJsonAsync(rows, Console.Out);
                else
                    await WriteTextAsync(rows, Console.Out);
            }
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    private static async Task WriteTextAsync(List<(WebhookEndpointOptions Endpoint, OutboxCounts? Count, DateTimeOffset? DisabledAt)> rows, TextWriter output)
    {
        await output.WriteLineAsync("endpoint\tstate\tpending\tdelivered\tfailed\tsecrets\tevents\ttags\turl");
        foreach (var (e, count, disabledAt) in rows)
        {
            var state = disabledAt is { } at ? $"disabled (410 at {at:O})" : "enabled";
            var tags = e.Tags.Count == 0 ? "-" : string.Join(",", e.Tags.Select(t => $"{t.Key}={t.Value}"));
            await output.WriteLineAsync($"{SafeText.Bound(e.Name, 64)}\t{state}\t{count?.Pending ?? 0}\t{count?.Delivered ?? 0}\t{count?.Failed ?? 0}\t" +
                $"{e.Secrets.Count}\t{SafeText.Bound(string.Join(",", e.EventTypes), 300)}\t{SafeText.Bound(tags, 300)}\t{WebhookStoreSession.ShownUrl(e.Url)}");
        }
        await output.WriteLineAsync($"{rows.Count} endpoint(s)");
    }

    private static async Task WriteJsonAsync(List<(WebhookEndpointOptions Endpoint, OutboxCounts? Count, DateTimeOffset? DisabledAt)> rows, TextWriter output)
    {
        using var buffer = new MemoryStream();
        await using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var (e, count, disabledAt) in rows)
            {
                writer.WriteStartObject();
                writer.WriteString("name", e.Name);
                writer.WriteString("url", WebhookStoreSession.ShownUrl(e.Url));
                writer.WriteBoolean("enabled", disabledAt is null);
                if (disabledAt is { } at)
                    writer.WriteString("disabledAt", at);
                writer.WriteNumber("secrets", e.Secrets.Count);
                writer.WriteStartArray("eventTypes");
                foreach (var type in e.EventTypes)
                    writer.WriteStringValue(type);
                writer.WriteEndArray();
                writer.WriteStartObject("tags");
                foreach (var (key, value) in e.Tags)
                    writer.WriteString(key, value);
                writer.WriteEndObject();
                writer.WriteNumber("pending", count?.Pending ?? 0);
                writer.WriteNumber("delivered", count?.Delivered ?? 0);
                writer.WriteNumber("failed", count?.Failed ?? 0);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
        await output.WriteLineAsync(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
