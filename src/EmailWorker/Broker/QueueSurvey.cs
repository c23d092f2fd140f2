using EmailWorker.Configuration;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace EmailWorker.Broker;

/// <summary>
/// Every queue of the topology (each lane's work queue and retry tiers, dead) with its depth and consumers over AMQP and its unacked count
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

    /// <summary>Each lane's work queue (role <c>work</c>, <c>work high</c>, <c>work bulk</c>), then every tier by lane, then the dead letters.</summary>
    private static IEnumerable<(string Name, string Role)> Queues(OperatorContext context) =>
        Lanes.NormalFirst.Select(lane => (context.Names.WorkFor(lane), Role("work", lane)))
            .Concat(context.Names.Tiers.Select(tier => (tier.QueueName, Role("retry", tier.Lane))))
            .Append((context.Names.Dead, "dead"));

    private static string Role(string role, Lane lane) => lane == Lane.Normal ? role : $"{role} {lane.Name()}";

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
