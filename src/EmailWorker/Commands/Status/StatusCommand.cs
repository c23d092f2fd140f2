using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EmailWorker.Commands.DeadLetters;
using EmailWorker.Hosting;
using EmailWorker.Operations;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace EmailWorker.Commands.Status;

/// <summary><c>emailworker status</c>: how many messages wait in the work queue, every retry tier and the dead-letter queue.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "JSON instead of a table" };
        var command = new Command("status", "Show the depth of the work queue, every retry tier and the dead-letter queue, and their consumers.");
        command.Options.Add(json);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(async (context, token) =>
        {
            var connection = await context.ConnectAsync(token);
            using var management = new ManagementApi(context.Broker);
            var queues = new List<QueueStatus>();
            string? unackedProblem = null;
            foreach (var (name, role) in Queues(context))
            {
                var queue = await ReadAsync(connection, name, role, token);
                if (queue.Exists)
                {
                    var (unacked, problem) = await management.UnackedAsync(name, token);
                    unackedProblem ??= problem;
                    queue = queue with { Unacked = unacked };
                }
                queues.Add(queue);
            }
            var report = new StatusReport(context.Endpoint, queues, unackedProblem);
            if (parse.GetValue(json))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(report, CliJsonContext.Default.StatusReport));
            }
            else
            {
                var table = new TextTable("QUEUE", "ROLE", "READY", "UNACKED", "CONSUMERS");
                foreach (var queue in queues)
                    table.Add(queue.Name, queue.Role, Count(queue.Ready, queue.Exists), Count(queue.Unacked, queue.Exists), Count(queue.Consumers, queue.Exists));
                Console.Out.WriteLine($"broker {report.Broker}");
                table.WriteTo(Console.Out);
                if (unackedProblem is not null)
                    Console.Out.WriteLine($"unacked unknown: {unackedProblem}");
            }
            return queues.All(q => q.Exists) ? ExitCodes.Ok : ExitCodes.Failure;
        }, cancellationToken));
        return command;
    }

    private static IEnumerable<(string Name, string Role)> Queues(OperatorContext context) =>
        context.Names.Tiers.Select(tier => (tier.QueueName, "retry")).Prepend((context.Names.Work, "work")).Append((context.Names.Dead, "dead"));

    private static string Count(long? value, bool exists) => exists ? value?.ToString(CultureInfo.InvariantCulture) ?? "?" : "missing";

    private static async Task<QueueStatus> ReadAsync(IConnection connection, string queue, string role, CancellationToken cancellationToken)
    {
        // A passive declare of a missing queue closes the channel: one channel per queue keeps that local.
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        try
        {
            var ok = await channel.QueueDeclarePassiveAsync(queue, cancellationToken);
            return new QueueStatus(queue, role, ok.MessageCount, null, ok.ConsumerCount, Exists: true);
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == Constants.NotFound)
        {
            return new QueueStatus(queue, role, null, null, null, Exists: false);
        }
    }
}
