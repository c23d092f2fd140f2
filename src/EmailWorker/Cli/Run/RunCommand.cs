using System.CommandLine;
using EmailWorker.Hosting;

namespace EmailWorker.Cli.Run;

/// <summary><c>emailworker run</c>: starts the worker and runs until SIGTERM or Ctrl+C, then drains and exits 0.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var command = new Command("run", "Start the worker: consume the work queue and deliver over SMTP until stopped.");
        command.SetAction((parse, _) => WorkerHost.RunAsync(ConfigFileOption.Path(parse)));
        return command;
    }
}
