using RabbitMQ.Client;

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
        var present = (await channel.QueueDeclarePassiveAsync(context.Names.Dead, cancellationToken)).MessageCount;
        var entries = new List<DeadLetterEntry>((int)present);
        // Exactly as many as were there: the queue is FIFO and only operator tools read it.
        while (entries.Count < present && await channel.BasicGetAsync(context.Names.Dead, autoAck: false, cancellationToken) is { } result)
            entries.Add(new DeadLetterEntry(result.DeliveryTag, result.BasicProperties, result.Body.ToArray()));
        // A quorum queue does not keep the order of messages handed back to it, so operators see a stable order of our
        // own: oldest failure first, then by messageId.
        var ordered = entries.OrderBy(e => e.LastFailureAt ?? DateTimeOffset.MinValue).ThenBy(e => e.MessageId, StringComparer.Ordinal).ToList();
        return new DeadLetterSnapshot(channel, ordered);
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
