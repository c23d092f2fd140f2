using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace EmailWorker.Broker;

/// <summary>
/// Every queue of the topology (work, each retry tier, dead) with its depth and consumers over AMQP and its unacked count
/// from the management API: what <c>emailworker status</c> and the dashboard's overview show.
/// </summary>
internal static class QueueSurvey
{
    public static async Task<(List<QueueStatus> Queues, string? UnackedProblem)> ReadAsync(OperatorContext context, CancellationToken cancellationToken)
    {
        var connection = await context.ConnectAsync(cancellationToken);
        using var management = new ManagementApi(context.Broker);
        var queues = new List<QueueStatus>();
        string? unackedProblem = null;
        foreach (var (name, role) in Queues(context))
        {
            var queue = await ReadAsync(connection, name, role, cancellationToken);
            if (queue.Exists)
            {
                var (unacked, problem) = await management.UnackedAsync(name, cancellationToken);
                unackedProblem ??= problem;
                queue = queue with { Unacked = unacked };
            }
            queues.Add(queue);
        }
        return (queues, unackedProblem);
    }

    private static IEnumerable<(string Name, string Role)> Queues(OperatorContext context) =>
        context.Names.Tiers.Select(tier => (tier.QueueName, "retry")).Prepend((context.Names.Work, "work")).Append((context.Names.Dead, "dead"));

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
