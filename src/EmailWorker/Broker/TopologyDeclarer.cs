using EmailWorker.Configuration;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace EmailWorker.Broker;

/// <summary>
/// Declares every exchange, queue and binding of DESIGN §3. Declaring is idempotent; an entity that exists with other
/// arguments makes the broker refuse (406), which becomes a <see cref="TopologyMismatchException"/> naming it.
/// </summary>
internal sealed class TopologyDeclarer(TopologyNames names, IOptions<TopologyOptions> options) : IDisposable
{
    /// <summary>Declarations of one queue that a concurrent creation answers with 404, at most, before start-up fails.</summary>
    internal const int DeclareAttempts = 5;

    // The consumer, the dead-letter ingester and the webhook outbox writer prepare at the same moment of start-up.
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);

    /// <summary>
    /// What the worker does at start-up: declare (<c>Topology:Declare=true</c>) or, for a user without configure permission,
    /// check passively that every exchange and queue exists. An explicit option rather than a fall-back on 403: a worker
    /// that was meant to declare must not silently run against a topology someone else left behind.
    /// </summary>
    public async Task PrepareAsync(IConnection connection, CancellationToken cancellationToken)
    {
        // One at a time: a quorum queue another declaration is still creating answers 404 (see DeclareAsync), and the
        // services of one worker need not race each other for it.
        await _oneAtATime.WaitAsync(cancellationToken);
        try
        {
            await (options.Value.Declare ? DeclareAsync(connection, cancellationToken) : VerifyExistsAsync(connection, cancellationToken));
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    /// <summary>Passive declares only (they need no permission and change nothing); a missing entity stops start-up naming it.</summary>
    public async Task VerifyExistsAsync(IConnection connection, CancellationToken cancellationToken)
    {
        var workQueues = Lanes.NormalFirst.Select(names.WorkFor).ToArray();
        var exchanges = workQueues.Concat([names.RetryExchange, names.Dead, names.Events]);
        var queues = workQueues.Concat(names.Tiers.Select(tier => tier.QueueName)).Append(names.Dead);
        foreach (var (kind, name) in exchanges.Select(e => ("Exchange", e)).Concat(queues.Select(q => ("Queue", q))))
        {
            // A failed passive declare closes its channel: one channel per check.
            await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
            try
            {
                if (kind == "Exchange")
                    await channel.ExchangeDeclarePassiveAsync(name, cancellationToken);
                else
                    await channel.QueueDeclarePassiveAsync(name, cancellationToken);
            }
            catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == Constants.NotFound)
            {
                throw new BrokerConfigurationException($"{kind} '{name}' does not exist and Topology:Declare is false: " +
                    "run 'emailworker topology apply' with a user that may configure, or check Topology:Prefix and Retry:Schedule");
            }
        }
    }

    /// <summary>
    /// Declares everything, again from the start while another process creates one of the quorum queues at this moment: the
    /// broker then has the queue's record but not yet its leader and refuses the declaration with 404 ("home node … is down
    /// or inaccessible"), which a non-passive declare gets for no other reason. Declaring is idempotent, so once the queue
    /// is up the next round succeeds; after <see cref="DeclareAttempts"/> rounds start-up stops with the broker's words. (A
    /// quorum queue that has lost its majority answers 404 too: the same rounds, then the same stop.)
    /// </summary>
    public async Task DeclareAsync(IConnection connection, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await DeclareAllAsync(connection, cancellationToken);
                return;
            }
            catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == Constants.NotFound)
            {
                if (attempt == DeclareAttempts)
                {
                    throw new BrokerConfigurationException($"The broker still refused to declare the topology after {DeclareAttempts} rounds " +
                        $"({ex.ShutdownReason.ReplyText}): a quorum queue is not up on the broker; check its nodes (rabbitmq-queues quorum_status)");
                }
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), cancellationToken);
            }
            catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == Constants.AccessRefused)
            {
                throw new BrokerConfigurationException($"The broker refused to declare the topology ({ex.ShutdownReason.ReplyText}): " +
                    "give this user configure permission, or declare it with 'emailworker topology apply' as an admin and set Topology:Declare=false");
            }
        }
    }

    private async Task DeclareAllAsync(IConnection connection, CancellationToken cancellationToken)
    {
        // A refused declaration closes the channel; a channel of its own keeps that away from the consumers.
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);

        // One exchange and queue per lane, the same arguments each: the normal lane's is the work queue as it was before lanes.
        foreach (var work in Lanes.NormalFirst.Select(names.WorkFor))
        {
            await ExchangeAsync(channel, work, ExchangeType.Fanout, cancellationToken);
            await QueueAsync(channel, work, WorkQueueArguments(), cancellationToken);
            await channel.QueueBindAsync(work, work, "", cancellationToken: cancellationToken);
        }

        await ExchangeAsync(channel, names.RetryExchange, ExchangeType.Direct, cancellationToken);
        foreach (var tier in names.Tiers)
        {
            await QueueAsync(channel, tier.QueueName, TierQueueArguments(tier), cancellationToken);
            await channel.QueueBindAsync(tier.QueueName, names.RetryExchange, tier.QueueName, cancellationToken: cancellationToken);
        }

        await ExchangeAsync(channel, names.Dead, ExchangeType.Fanout, cancellationToken);
        await QueueAsync(channel, names.Dead, QuorumArguments(), cancellationToken);
        await channel.QueueBindAsync(names.Dead, names.Dead, "", cancellationToken: cancellationToken);

        await ExchangeAsync(channel, names.Events, ExchangeType.Topic, cancellationToken);
    }

    public void Dispose() => _oneAtATime.Dispose();

    public Dictionary<string, object?> WorkQueueArguments()
    {
        var arguments = QuorumArguments();
        // A message that crashes workers again and again is dead-lettered by the broker, not redelivered forever.
        arguments["x-delivery-limit"] = options.Value.DeliveryLimit;
        arguments["x-dead-letter-exchange"] = names.Dead;
        arguments["x-dead-letter-strategy"] = "at-least-once";
        arguments["x-overflow"] = "reject-publish";
        return arguments;
    }

    public Dictionary<string, object?> TierQueueArguments(RetryTier tier)
    {
        var arguments = QuorumArguments();
        // Per-queue TTL, not per-message: a quorum queue only expires the message at its head.
        arguments["x-message-ttl"] = (long)tier.Delay.TotalMilliseconds;
        // Back to the work exchange of the tier's own lane: a retried message keeps its lane.
        arguments["x-dead-letter-exchange"] = names.WorkFor(tier.Lane);
        arguments["x-dead-letter-strategy"] = "at-least-once";
        arguments["x-overflow"] = "reject-publish";
        return arguments;
    }

    private static Dictionary<string, object?> QuorumArguments() => new() { ["x-queue-type"] = "quorum" };

    private static async Task ExchangeAsync(IChannel channel, string name, string type, CancellationToken cancellationToken)
    {
        try
        {
            await channel.ExchangeDeclareAsync(name, type, durable: true, autoDelete: false, cancellationToken: cancellationToken);
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == Constants.PreconditionFailed)
        {
            throw new TopologyMismatchException($"Exchange '{name}'", ex.ShutdownReason.ReplyText);
        }
    }

    private static async Task QueueAsync(IChannel channel, string name, IDictionary<string, object?> arguments, CancellationToken cancellationToken)
    {
        try
        {
            await channel.QueueDeclareAsync(name, durable: true, exclusive: false, autoDelete: false, arguments, cancellationToken: cancellationToken);
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == Constants.PreconditionFailed)
        {
            throw new TopologyMismatchException($"Queue '{name}'", ex.ShutdownReason.ReplyText);
        }
    }
}
