using System.CommandLine;
using EmailWorker.Delivery.Suppression;
using EmailWorker.Diagnostics;

namespace EmailWorker.Cli.Suppress;

/// <summary><c>emailworker suppress remove &lt;address|*@domain&gt;</c>: the global entry goes; the worker sends to the address again.</summary>
internal static class SuppressRemoveCommand
{
    public static Command Create()
    {
        var address = new Argument<string>("address") { Description = "The address or *@domain to take off the list" };
        var command = new Command("remove", "Remove an address or a domain from the suppression list (global scope).");
        command.Arguments.Add(address);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(parse, async (context, token) =>
        {
            var key = SuppressionInput.Key(parse.GetValue(address));
            var (store, list) = await SuppressionStoreSession.OpenAsync(context, token);
            await using (store)
            {
                if (!await list.RemoveSuppressionAsync(key, SuppressionReasons.Global, token))
                    throw new OperatorException($"{key} is not on the suppression list");
                await Console.Out.WriteLineAsync($"removed {key}");
            }
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }
}
