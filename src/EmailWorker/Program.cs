using System.CommandLine;
using EmailWorker.Commands.Run;

namespace EmailWorker;

internal static class Program
{
    public static Task<int> Main(string[] args)
    {
        var root = new RootCommand("EmailWorker: a durable, queue-backed email delivery worker.")
        {
            RunCommand.Create(),
        };
        // The worker's host handles SIGTERM/SIGINT itself (graceful drain); the parser must not race it to exit.
        var invocation = new InvocationConfiguration { ProcessTerminationTimeout = null };
        return root.Parse(args).InvokeAsync(invocation);
    }
}
