using System.CommandLine;
using EmailWorker.Diagnostics;

namespace EmailWorker.Cli.Suppress;

/// <summary>
/// <c>emailworker suppress remove &lt;address|*@domain&gt; [--stream NAME]</c>: the global entry (or the stream's) goes; the
/// worker sends to the address again unless an entry of another scope still holds it.
/// </summary>
internal static class SuppressRemoveCommand
{
    public static Command Create()
    {
        var address = new Argument<string>("address") { Description = "The address or *@domain to take off the list" };
        var stream = new Option<string>("--stream") { Description = "Remove the entry of this stream; default: the global entry" };
        var command = new Command("remove", "Remove an address or a domain from the suppression list (global scope, or one stream's).");
        command.Arguments.Add(address);
        command.Options.Add(stream);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(parse, async (context, token) =>
        {
            var key = SuppressionInput.Key(parse.GetValue(address));
            var scope = SuppressionInput.Scope(parse.GetValue(stream));
            var (store, list) = await SuppressionStoreSession.OpenAsync(context, token);
            await using (store)
            {
                if (!await list.RemoveSuppressionAsync(key, scope, token))
                    throw new OperatorException($"{key} is not on the suppression list (scope {scope})");
                await Console.Out.WriteLineAsync($"removed {key} (scope {scope})");
            }
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }
}
