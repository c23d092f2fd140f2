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
    private readonly IChannel _channel;
    private readonly HashSet<ulong> _acked = [];

    private DeadLetterSnapshot(IChannel channel, IReadOnlyList<DeadLetterEntry> entries)
    {
        _channel = channel;
        Entries = entries;
    }

    public IReadOnlyList<DeadLetterEntry> Entries { get; }

    public IChannel Channel => _channel;

    public static async Task<DeadLetterSnapshot> TakeAsync(OperatorContext context, CancellationToken cancellationToken)
    {
        var connection = await context.ConnectAsync(cancellationToken);
        var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        var present = (int)(await channel.QueueDeclarePassiveAsync(context.Names.Dead, cancellationToken)).MessageCount;
        var entries = present is > 0 and <= ushort.MaxValue
            ? await ConsumeAsync(channel, context.Names.Dead, present, cancellationToken)
            : await GetAsync(channel, context.Names.Dead, present, cancellationToken);
        // A quorum queue does not keep the order of messages handed back to it, so operators see a stable order of our
        // own: oldest failure first, then by messageId.
        var ordered = entries.OrderBy(e => e.LastFailureAt ?? DateTimeOffset.MinValue).ThenBy(e => e.MessageId, StringComparer.Ordinal).ToList();
        return new DeadLetterSnapshot(channel, ordered);
    }

    /// <summary>
    /// Exactly as many as were there: with a prefetch of that many and no ack, the broker hands out no more, and the queue
    /// is FIFO with only operator tools reading it, so these are the letters present at the start.
    /// </summary>
    private static async Task<List<DeadLetterEntry>> ConsumeAsync(IChannel channel, string queue, int present, CancellationToken cancellationToken)
    {
        var entries = new List<DeadLetterEntry>(present);
        var complete = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await channel.BasicQosAsync(0, (ushort)present, global: false, cancellationToken);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            lock (entries)
            {
                entries.Add(new DeadLetterEntry(delivery.DeliveryTag, delivery.BasicProperties, delivery.Body.ToArray()));
                if (entries.Count == present)
                    complete.TrySetResult();
            }
            return Task.CompletedTask;
        };
        var tag = await channel.BasicConsumeAsync(queue, autoAck: false, consumer, cancellationToken);
        try
        {
            await complete.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        }
        catch (TimeoutException)
        {
            // Letters someone else removed meanwhile never arrive: the snapshot is what did.
        }
        await channel.BasicCancelAsync(tag, noWait: false, cancellationToken);
        lock (entries)
            return [.. entries];
    }

    private static async Task<List<DeadLetterEntry>> GetAsync(IChannel channel, string queue, int present, CancellationToken cancellationToken)
    {
        var entries = new List<DeadLetterEntry>();
        while (entries.Count < present && await channel.BasicGetAsync(queue, autoAck: false, cancellationToken) is { } result)
            entries.Add(new DeadLetterEntry(result.DeliveryTag, result.BasicProperties, result.Body.ToArray()));
        return entries;
    }

    /// <summary>Removes one letter from the queue for good (after it was moved, or to purge it).</summary>
    public async ValueTask AckAsync(DeadLetterEntry entry, CancellationToken cancellationToken)
    {
        await _channel.BasicAckAsync(entry.DeliveryTag, multiple: false, cancellationToken);
        _acked.Add(entry.DeliveryTag);
    }

    public async ValueTask DisposeAsync()
    {
        if (_channel.IsOpen)
        {
            foreach (var entry in Entries.Where(e => !_acked.Contains(e.DeliveryTag)))
                await _channel.BasicNackAsync(entry.DeliveryTag, multiple: false, requeue: true);
            await _channel.CloseAsync();
        }
        await _channel.DisposeAsync();
    }
}
