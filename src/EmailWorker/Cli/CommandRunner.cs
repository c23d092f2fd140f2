using System.CommandLine;
using EmailWorker.Broker;
using EmailWorker.Configuration;
using EmailWorker.Diagnostics;
using RabbitMQ.Client.Exceptions;

namespace EmailWorker.Cli;

/// <summary>
/// Runs an operator command and turns every failure into one line on standard error and an exit code: never a stack trace,
/// never a credential (messages name hosts, users and keys, not passwords).
/// </summary>
internal static class CommandRunner
{
    public static async Task<int> RunAsync(ParseResult parse, Func<OperatorContext, CancellationToken, Task<int>> command, CancellationToken cancellationToken)
    {
        try
        {
            await using var context = OperatorContext.Load(WorkerConfiguration.Load(ConfigFileOption.Path(parse)));
            return await command(context, cancellationToken);
        }
        catch (OperatorException ex)
        {
            await Console.Error.WriteLineAsync($"emailworker: {ex.Message}");
            return ex.ExitCode;
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == RabbitMQ.Client.Constants.NotFound)
        {
            await Console.Error.WriteLineAsync($"emailworker: {ex.ShutdownReason.ReplyText}; run 'emailworker topology apply' or check Topology:Prefix");
            return ExitCodes.Failure;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("emailworker: interrupted");
            return ExitCodes.Failure;
        }
        catch (Exception ex)
        {
            await Console.Error.WriteLineAsync($"emailworker: {ex.GetType().Name}: {ex.Message}");
            return ExitCodes.Failure;
        }
    }
}
