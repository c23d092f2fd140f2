using System.Threading.Channels;
using EmailWorker.DeadLetters.Store;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace EmailWorker.DeadLetters.Ingest;

/// <summary>
/// Moves the letters in the dead-letter queue <em>now</em> into the store, through the ingester's <see cref="IngestLoop"/> (the
/// same mapping, a batch stored in one transaction and only then acked with one multiple ack), and stops: for an operator command, so a
/// <c>dlq list</c> right after a failure shows it even when no worker ingests. Bounded to the letters present when it
/// starts; it also stops when none came for <see cref="GoneAfter"/> and the queue holds none ready (a worker's ingester took
/// them meanwhile). None ready is not enough alone: letters on their way to this consumer are not ready either, and on a
/// loaded machine they can take more than a second to arrive. A quiet spell while letters are still ready is a slow broker,
/// not an empty queue: it keeps waiting, for <see cref="Patience"/> at most.
/// </summary>
internal static class DeadLetterQueueDrain
{
    private const int BatchSize = 500;
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan GoneAfter = TimeSpan.FromSeconds(5);
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
        var letters = new IngestLoop(TimeProvider.System, unreadable);
        await channel.BasicQosAsync(0, 2 * BatchSize, global: false, cancellationToken);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += letters.OnReceivedAsync;
        var consumerTag = await channel.BasicConsumeAsync(queue, autoAck: false, consumer, cancellationToken);
        long gathered = 0;
        var quietSince = (DateTimeOffset?)null;
        try
        {
            // Bounded to the letters present at the start; every batch gathered is stored and acked before the next.
            async Task GatherAsync(ChannelReader<IngestLoop.Delivered> delivered, List<IngestLoop.Delivered> batch, CancellationToken token)
            {
                while (gathered < present)
                {
                    while (batch.Count < BatchSize && gathered + batch.Count < present && delivered.TryRead(out var item))
                        batch.Add(item);
                    if (batch.Count > 0)
                    {
                        quietSince = null;
                        gathered += batch.Count;
                        return;
                    }
                    using var quiet = CancellationTokenSource.CreateLinkedTokenSource(token);
                    quiet.CancelAfter(Quiet);
                    try
                    {
                        await delivered.WaitToReadAsync(quiet.Token);
                    }
                    catch (OperationCanceledException) when (!token.IsCancellationRequested)
                    {
                        // Quiet since the first silent second: a spell of Quiet has passed already.
                        quietSince ??= DateTimeOffset.UtcNow - Quiet;
                        var silent = DateTimeOffset.UtcNow - quietSince.Value;
                        var ready = (await channel.QueueDeclarePassiveAsync(queue, token)).MessageCount;
                        if ((ready == 0 && silent >= GoneAfter) || silent > Patience)
                            return;
                    }
                }
            }
            return await letters.RunAsync(channel, GatherAsync, (records, token) => store.InsertAsync(records, token), ackFailed: null, cancellationToken);
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
    }
}
