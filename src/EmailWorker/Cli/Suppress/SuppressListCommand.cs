using System.CommandLine;
using System.Text.Json;
using EmailWorker.Delivery.Suppression;
using EmailWorker.Diagnostics;

namespace EmailWorker.Cli.Suppress;

/// <summary><c>emailworker suppress list [--json]</c>: every entry in key order, read page by page.</summary>
internal static class SuppressListCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "One JSON array instead of a table" };
        var command = new Command("list", "List the suppression list's entries in address order.");
        command.Options.Add(json);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(parse, async (context, token) =>
        {
            var (store, list) = await SuppressionStoreSession.OpenAsync(context, token);
            await using (store)
            {
                if (parse.GetValue(json))
                    await WriteJsonAsync(list, Console.Out, token);
                else
                    await WriteTextAsync(list, Console.Out, token);
            }
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    private static async Task WriteTextAsync(ISuppressionStore list, TextWriter output, CancellationToken token)
    {
        var count = 0;
        await output.WriteLineAsync("address\tscope\treason\tsince\tby\tsource messageId");
        await foreach (var e in SuppressionPages.AllAsync(list, token))
        {
            count++;
            await output.WriteLineAsync($"{SafeText.Bound(e.Key, 256)}\t{SafeText.Bound(e.Scope, 100)}\t{e.Reason}\t{e.CreatedAt:O}\t{SafeText.Bound(e.CreatedBy, 100)}\t{SafeText.Bound(e.SourceMessageId ?? "-", 200)}");
        }
        await output.WriteLineAsync($"{count} entr{(count == 1 ? "y" : "ies")}");
    }

    private static async Task WriteJsonAsync(ISuppressionStore list, TextWriter output, CancellationToken token)
    {
        using var buffer = new MemoryStream();
        await using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            await foreach (var e in SuppressionPages.AllAsync(list, token))
            {
                writer.WriteStartObject();
                writer.WriteString("address", e.Key);
                writer.WriteString("scope", e.Scope);
                writer.WriteString("reason", e.Reason);
                writer.WriteString("sourceMessageId", e.SourceMessageId);
                writer.WriteString("createdAt", e.CreatedAt);
                writer.WriteString("createdBy", e.CreatedBy);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
        await output.WriteLineAsync(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
