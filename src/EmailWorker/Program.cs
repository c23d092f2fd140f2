using System.CommandLine;
using EmailWorker.Cli;
using EmailWorker.Cli.DeadLetters;
using EmailWorker.Cli.Send;
using EmailWorker.Cli.Status;
using EmailWorker.Cli.Topology;
using EmailWorker.Diagnostics;
using EmailWorker.Cli.Run;
using EmailWorker.Cli.Dashboard;
using EmailWorker.Cli.Scheduled;
using EmailWorker.Cli.Suppress;
using EmailWorker.Cli.Webhooks;

namespace EmailWorker;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        // Commands print text from producers and relays (addresses, subjects, headers, reasons): nothing of it may drive
        // the operator's terminal. The worker's own log goes to its own buffered stream and escapes as it formats.
        TerminalWriter.Install();
        var config = ConfigFileOption.Option;
        var root = new RootCommand("EmailWorker: a durable, queue-backed email delivery worker, and its operator tools.")
        {
            config,
            RunCommand.Create(),
            StatusCommand.Create(),
            DlqCommand.Create(),
            SendCommand.Create(),
            TopologyCommand.Create(),
            DashboardCommand.Create(),
            SuppressCommand.Create(),
            ScheduledCommand.Create(),
            WebhooksCommand.Create(),
        };
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
                await Console.Error.WriteLineAsync($"emailworker: {error.Message}");
            await Console.Error.WriteLineAsync("Run 'emailworker --help' for usage.");
            return ExitCodes.Usage;
        }
        // Each command's action reads the file it names when it loads its configuration.
        if (parse.GetValue(config) is { Exists: false } file)
        {
            await Console.Error.WriteLineAsync($"emailworker: --config {file.FullName} does not exist");
            return ExitCodes.Usage;
        }
        // The worker's host handles SIGTERM/SIGINT itself (graceful drain); the parser must not race it to exit.
        var invocation = new InvocationConfiguration { ProcessTerminationTimeout = null };
        return await parse.InvokeAsync(invocation);
    }
}
