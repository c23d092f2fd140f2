using System.CommandLine;
using EmailWorker.Commands.DeadLetters;
using EmailWorker.Commands.Run;
using EmailWorker.Commands.Send;
using EmailWorker.Commands.Status;
using EmailWorker.Commands.TopologyCommands;
using EmailWorker.Hosting;

namespace EmailWorker;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var root = new RootCommand("EmailWorker: a durable, queue-backed email delivery worker, and its operator tools.")
        {
            RunCommand.Create(),
            StatusCommand.Create(),
            DlqCommand.Create(),
            SendCommand.Create(),
            TopologyCommand.Create(),
        };
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
                await Console.Error.WriteLineAsync($"emailworker: {error.Message}");
            await Console.Error.WriteLineAsync("Run 'emailworker --help' for usage.");
            return ExitCodes.Usage;
        }
        // The worker's host handles SIGTERM/SIGINT itself (graceful drain); the parser must not race it to exit.
        var invocation = new InvocationConfiguration { ProcessTerminationTimeout = null };
        return await parse.InvokeAsync(invocation);
    }
}
