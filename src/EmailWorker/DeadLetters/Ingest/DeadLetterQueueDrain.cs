using System.Threading.Channels;
using EmailWorker.DeadLetters.Store;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace EmailWorker.DeadLetters.Ingest;

/// <summary>
/// Moves the letters in the dead-letter queue <em>now</em> into the store, as the ingester does (the same mapping, a batch
/// stored in one transaction and only then acked with one multiple ack), and stops: for an operator command, so a
/// <c>dlq list</c> right after a failure shows it even when no worker ingests. Bounded to the letters present when it
/// starts; it also stops when none came for a quiet spell and the queue holds none ready (a worker's ingester took them
/// meanwhile). A quiet spell while letters are still ready is a slow broker, not an empty queue: it keeps waiting, for
/// <see cref="Patience"/> at most.
/// </summary>
internal static class DeadLetterQueueDrain
{
    private const int BatchSize = 500;
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>Returns how many letters it took from the queue (stored now, or found stored already).</summary>
    public static async Task<long> DrainAsync(IConnection connection, string queue, IDeadLetterStore store, Action<string> unreadable,
        CancellationToken cancellationToken)
    {
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        var present = (long)(await channel.QueueDeclarePassiveAsync(queue, cancellationToken)).MessageCount;
        if (present == 0)
        {
            await channel.CloseAsync(cancellationToken);
            return 0;
        }
        var pending = Channel.CreateUnbounded<(DeadLetterRecord Record, ulong Tag)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        await channel.BasicQosAsync(0, 2 * BatchSize, global: false, cancellationToken);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            // The client reuses the body's buffer once this callback returns: the record keeps its own copy.
            var record = DeadLetterMapper.MapOrKeep(delivery.BasicProperties, delivery.Body.ToArray(), DateTimeOffset.UtcNow, out var problem);
            if (problem is not null)
                unreadable(problem);
            pending.Writer.TryWrite((record, delivery.DeliveryTag));
            return Task.CompletedTask;
        };
        var consumerTag = await channel.BasicConsumeAsync(queue, autoAck: false, consumer, cancellationToken);
        long taken = 0;
        var quietSince = (DateTimeOffset?)null;
        var batch = new List<(DeadLetterRecord Record, ulong Tag)>(BatchSize);
        try
        {
            while (taken < present)
            {
                batch.Clear();
                while (batch.Count < BatchSize && taken + batch.Count < present && pending.Reader.TryRead(out var item))
                    batch.Add(item);
                if (batch.Count == 0)
                {
                    using var quiet = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    quiet.CancelAfter(Quiet);
                    try
                    {
                        await pending.Reader.WaitToReadAsync(quiet.Token);
                        continue;
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        quietSince ??= DateTimeOffset.UtcNow;
                        var ready = (await channel.QueueDeclarePassiveAsync(queue, cancellationToken)).MessageCount;
                        if (ready == 0 || DateTimeOffset.UtcNow - quietSince > Patience)
                            break;
                        continue;
                    }
                }
                quietSince = null;
                await store.InsertAsync(batch.ConvertAll(b => b.Record), cancellationToken);
                // Deliveries on this channel come in tag order: everything up to the last one of the batch is stored.
                await channel.BasicAckAsync(batch[^1].Tag, multiple: true, cancellationToken);
                taken += batch.Count;
            }
        }
        finally
        {
            // Letters delivered past the bound go back to the queue with the channel.
            if (channel.IsOpen)
            {
                await channel.BasicCancelAsync(consumerTag, noWait: false, CancellationToken.None);
                await channel.CloseAsync(CancellationToken.None);
            }
        }
        return taken;
    }
}
