using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace EmailWorker.Operations;

/// <summary>
/// The dead letters present when it was taken, held unacknowledged on a channel of its own. Letters that arrive later are
/// not in it, so a replay or purge acts on exactly the set it selected. Disposing gives every letter that was not acked
/// back to the queue: listing never removes or adds a letter. (The broker's internal order of the returned letters is its
/// own; the snapshot presents them sorted by failure time and messageId.)
/// </summary>
internal sealed class DeadLetterSnapshot : IAsyncDisposable
{
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(2);
    private readonly IChannel _channel;
    private readonly IReadOnlyList<DeadLetterEntry> _held;
    private readonly HashSet<ulong> _acked = [];

    private DeadLetterSnapshot(IChannel channel, IReadOnlyList<DeadLetterEntry> entries, IReadOnlyList<DeadLetterEntry> held)
    {
        _channel = channel;
        Entries = entries;
        _held = held;
    }

    public IReadOnlyList<DeadLetterEntry> Entries { get; }

    public static async Task<DeadLetterSnapshot> TakeAsync(OperatorContext context, CancellationToken cancellationToken)
    {
        var connection = await context.ConnectAsync(cancellationToken);
        var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        var present = (int)(await channel.QueueDeclarePassiveAsync(context.Names.Dead, cancellationToken)).MessageCount;
        var startedAt = DateTimeOffset.UtcNow;
        var held = present > 0 ? await ReceiveAsync(channel, context.Names.Dead, present, startedAt, cancellationToken) : [];
        // Letters dead-lettered after the command started are not part of it, even when the broker hands them out before
        // older ones that were a moment away (e.g. still being given back by an earlier command).
        var entries = held.Where(e => e.LastFailureAt is not { } at || at <= startedAt).Take(present)
            // A quorum queue does not keep the order of messages handed back to it, so operators see a stable order of
            // our own: oldest failure first, then by messageId.
            .OrderBy(e => e.LastFailureAt ?? DateTimeOffset.MinValue).ThenBy(e => e.MessageId, StringComparer.Ordinal).ToList();
        return new DeadLetterSnapshot(channel, entries, held);
    }

    /// <summary>
    /// Takes letters until it holds as many from before <paramref name="startedAt"/> as were present, or until none came
    /// for a quiet spell (letters someone else removed meanwhile never arrive). Nothing is acked here.
    /// </summary>
    private static async Task<List<DeadLetterEntry>> ReceiveAsync(IChannel channel, string queue, int present, DateTimeOffset startedAt,
        CancellationToken cancellationToken)
    {
        var held = new List<DeadLetterEntry>(present);
        var fromBefore = 0;
        using var arrived = new SemaphoreSlim(0);
        await channel.BasicQosAsync(0, (ushort)Math.Min(present + 1024, ushort.MaxValue), global: false, cancellationToken);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            var entry = new DeadLetterEntry(delivery.DeliveryTag, delivery.BasicProperties, delivery.Body.ToArray());
            lock (held)
            {
                held.Add(entry);
                if (entry.LastFailureAt is not { } at || at <= startedAt)
                    fromBefore++;
            }
            arrived.Release();
            return Task.CompletedTask;
        };
        var tag = await channel.BasicConsumeAsync(queue, autoAck: false, consumer, cancellationToken);
        while (Volatile.Read(ref fromBefore) < present && await arrived.WaitAsync(Quiet, cancellationToken))
        {
            // Each letter that arrives restarts the quiet spell.
        }
        await channel.BasicCancelAsync(tag, noWait: false, cancellationToken);
        lock (held)
            return [.. held];
    }

    /// <summary>
    /// Removes letters from the queue for good (after they were moved, or to purge them). Letters that are all the snapshot still holds up to some delivery tag go
    /// with one multiple ack (each ack is a command in the quorum queue's log: 10,000 single acks cost the broker more
    /// than the replay's publishes); the others one by one, so a multiple ack never takes a letter that is not meant.
    /// </summary>
    public async ValueTask AckAsync(IReadOnlyCollection<DeadLetterEntry> entries, CancellationToken cancellationToken)
    {
        var wanted = entries.Select(e => e.DeliveryTag).ToHashSet();
        var run = _held.Select(e => e.DeliveryTag).Where(t => !_acked.Contains(t)).Order().TakeWhile(wanted.Contains).ToList();
        if (run.Count > 0)
        {
            await _channel.BasicAckAsync(run[^1], multiple: run.Count > 1, cancellationToken);
            _acked.UnionWith(run);
        }
        foreach (var tag in wanted.Where(t => !_acked.Contains(t)).Order())
        {
            await _channel.BasicAckAsync(tag, multiple: false, cancellationToken);
            _acked.Add(tag);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_channel.IsOpen)
        {
            // Every letter not acked goes back to the queue, in one command.
            if (_held.Select(e => e.DeliveryTag).Where(t => !_acked.Contains(t)).DefaultIfEmpty().Max() is var last and > 0)
                await _channel.BasicNackAsync(last, multiple: true, requeue: true);
            await _channel.CloseAsync();
        }
        await _channel.DisposeAsync();
    }
}
