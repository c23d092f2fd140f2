using System.CommandLine;
using EmailWorker.Delivery.Suppression;
using EmailWorker.Diagnostics;

namespace EmailWorker.Cli.Suppress;

/// <summary>
/// <c>emailworker suppress add &lt;address|*@domain&gt; [--stream NAME] [--reason manual] [--by NAME]</c>: a global entry, or
/// one for a stream's messages only; adding a listed one changes nothing.
/// </summary>
internal static class SuppressAddCommand
{
    public static Command Create()
    {
        var address = new Argument<string>("address") { Description = "A mail address, or *@domain for every address of a domain" };
        var reason = new Option<string>("--reason") { Description = "manual (default), complaint, hard_bounce or soft_bounce" };
        var by = new Option<string>("--by") { Description = "Who adds it (default: the user running the command)" };
        var stream = new Option<string>("--stream") { Description = "Only for messages of this stream (e.g. broadcast); default: global, every message" };
        var command = new Command("add", "Add an address or a domain to the suppression list (global scope, or one stream's): the worker stops sending to it.");
        command.Arguments.Add(address);
        command.Options.Add(stream);
        command.Options.Add(reason);
        command.Options.Add(by);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(parse, async (context, token) =>
        {
            // Checked before anything is opened: bad input is exit 2 whatever the store's state.
            var key = SuppressionInput.Key(parse.GetValue(address));
            var entry = new SuppressionEntry(key, SuppressionInput.Scope(parse.GetValue(stream)), SuppressionInput.Reason(parse.GetValue(reason)), null, DateTimeOffset.UtcNow,
                SuppressionInput.Actor(parse.GetValue(by)));
            var (store, list) = await SuppressionStoreSession.OpenAsync(context, token);
            await using (store)
            {
                var added = await list.AddSuppressionsAsync([entry], token);
                await Console.Out.WriteLineAsync(added > 0 ? $"added {key} ({entry.Reason}, scope {entry.Scope})" : $"{key} is already on the list (scope {entry.Scope}): left as it was");
            }
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }
}
