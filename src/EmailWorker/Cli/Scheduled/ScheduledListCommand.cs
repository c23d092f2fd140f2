using System.CommandLine;
using System.Text.Json;
using EmailWorker.Diagnostics;
using EmailWorker.Scheduling;

namespace EmailWorker.Cli.Scheduled;

/// <summary>
/// <c>emailworker scheduled list [--all] [--json]</c>: the held messages, earliest <c>sendAt</c> first, read page by page;
/// with <c>--all</c> the cancelled and released ones the store still keeps too.
/// </summary>
internal static class ScheduledListCommand
{
    private const int PageSize = 500;

    public static Command Create()
    {
        var all = new Option<bool>("--all") { Description = "Also the cancelled and released messages still kept (DeadLetters:Retention)" };
        var json = new Option<bool>("--json") { Description = "One JSON array instead of a table" };
        var command = new Command("list", "List the messages held until their sendAt, earliest first.");
        command.Options.Add(all);
        command.Options.Add(json);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(parse, async (context, token) =>
        {
            var (store, scheduled) = await ScheduledStoreSession.OpenAsync(context, token);
            await using (store)
            {
                var entries = AllAsync(scheduled, parse.GetValue(all) ? null : ScheduledState.Held, token);
                if (parse.GetValue(json))
                    await WriteJsonAsync(entries, Console.Out);
                else
                    await WriteTextAsync(entries, Console.Out);
            }
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    private static async IAsyncEnumerable<ScheduledEntry> AllAsync(IScheduledStore scheduled, ScheduledState? state,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken token)
    {
        (DateTimeOffset, string)? after = null;
        while (true)
        {
            var page = await scheduled.ListScheduledAsync(state, after, PageSize, token);
            foreach (var entry in page)
                yield return entry;
            if (page.Count < PageSize)
                yield break;
            after = (page[^1].SendAt, page[^1].MessageId);
        }
    }

    private static async Task WriteTextAsync(IAsyncEnumerable<ScheduledEntry> entries, TextWriter output)
    {
        var count = 0;
        await output.WriteLineAsync("messageId\tsendAt\tstate\theldAt\tbytes\tchanged by");
        await foreach (var e in entries)
        {
            count++;
            await output.WriteLineAsync($"{SafeText.Bound(e.MessageId, 200)}\t{e.SendAt:O}\t{ScheduledEntryJson.StateName(e.State)}\t{e.HeldAt:O}\t{e.BodyBytes}\t" +
                SafeText.Bound(e.ChangedBy ?? "-", 200));
        }
        await output.WriteLineAsync($"{count} message{(count == 1 ? "" : "s")}");
    }

    private static async Task WriteJsonAsync(IAsyncEnumerable<ScheduledEntry> entries, TextWriter output)
    {
        using var buffer = new MemoryStream();
        await using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            await foreach (var e in entries)
                ScheduledEntryJson.Write(writer, e);
            writer.WriteEndArray();
        }
        await output.WriteLineAsync(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
