using System.CommandLine;
using EmailWorker.Configuration;
using EmailWorker.Diagnostics;
using EmailWorker.Broker;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace EmailWorker.Cli.Topology;

/// <summary><c>emailworker topology apply|verify</c>: declare the configured topology, or compare the broker with it.</summary>
internal static class TopologyCommand
{
    public static Command Create()
    {
        var apply = new Command("apply", "Declare every exchange, queue and binding of the configured topology (idempotent).");
        apply.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(parse, async (context, token) =>
        {
            var connection = await context.ConnectAsync(token);
            try
            {
                await context.Declarer.DeclareAsync(connection, token);
            }
            catch (TopologyMismatchException ex)
            {
                throw new OperatorException(ex.Message);
            }
            Console.Out.WriteLine($"topology applied on {context.Endpoint}: {string.Join(", ", Queues(context).Select(q => q.Name))}");
            return ExitCodes.Ok;
        }, cancellationToken));

        var verify = new Command("verify", "Report where the broker differs from the configured topology, changing nothing.");
        verify.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(parse, async (context, token) =>
        {
            var connection = await context.ConnectAsync(token);
            var problems = 0;
            foreach (var (name, type) in Exchanges(context))
                problems += Report(await VerifyAsync(connection, channel => channel.ExchangeDeclarePassiveAsync(name, token),
                    channel => channel.ExchangeDeclareAsync(name, type, durable: true, autoDelete: false, cancellationToken: token)), $"exchange {name}");
            foreach (var (name, arguments) in Queues(context))
                problems += Report(await VerifyAsync(connection, channel => channel.QueueDeclarePassiveAsync(name, token),
                    channel => channel.QueueDeclareAsync(name, durable: true, exclusive: false, autoDelete: false, arguments, cancellationToken: token)), $"queue {name}");
            Console.Out.WriteLine(problems == 0 ? "topology matches the configuration" : $"{problems} difference(s); 'emailworker topology apply' creates what is missing");
            return problems == 0 ? ExitCodes.Ok : ExitCodes.Failure;
        }, cancellationToken));

        return new Command("topology", "Declare or verify the exchanges and queues.") { apply, verify };
    }

    private static IEnumerable<(string Name, string Type)> Exchanges(OperatorContext context) =>
        Lanes.NormalFirst.Select(lane => (context.Names.WorkFor(lane), ExchangeType.Fanout)).Concat(
        [
            (context.Names.RetryExchange, ExchangeType.Direct), (context.Names.Dead, ExchangeType.Fanout), (context.Names.Events, ExchangeType.Topic),
        ]);

    private static IEnumerable<(string Name, IDictionary<string, object?> Arguments)> Queues(OperatorContext context) =>
        Lanes.NormalFirst.Select(lane => (context.Names.WorkFor(lane), (IDictionary<string, object?>)context.Declarer.WorkQueueArguments()))
            .Concat(context.Names.Tiers.Select(t => (t.QueueName, (IDictionary<string, object?>)context.Declarer.TierQueueArguments(t))))
            .Append((context.Names.Dead, new Dictionary<string, object?> { ["x-queue-type"] = "quorum" }));

    /// <summary>
    /// Exists? (passive declare, which changes nothing) — then the same declaration with the configured arguments, which the
    /// broker treats as a no-op when they match and refuses (406, naming the argument) when they differ.
    /// </summary>
    private static async Task<string?> VerifyAsync(IConnection connection, Func<IChannel, Task> exists, Func<IChannel, Task> matches)
    {
        await using (var channel = await connection.CreateChannelAsync())
        {
            try
            {
                await exists(channel);
            }
            catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == Constants.NotFound)
            {
                return "missing";
            }
        }
        await using (var channel = await connection.CreateChannelAsync())
        {
            try
            {
                await matches(channel);
                return null;
            }
            catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == Constants.PreconditionFailed)
            {
                return ex.ShutdownReason.ReplyText;
            }
        }
    }

    private static int Report(string? problem, string what)
    {
        Console.Out.WriteLine(problem is null ? $"ok       {what}" : $"DIFFERS  {what}: {problem}");
        return problem is null ? 0 : 1;
    }
}
