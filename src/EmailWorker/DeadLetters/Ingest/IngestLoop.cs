using System.Threading.Channels;
using EmailWorker.DeadLetters.Store;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace EmailWorker.DeadLetters.Ingest;

/// <summary>
/// The loop the ingester (<see cref="DeadLetterIngester"/>) and the <c>dlq</c> commands' drain (<see cref="DeadLetterQueueDrain"/>)
/// share: each letter a consumer on the dead-letter queue delivers is read into a record (<see cref="DeadLetterMapper"/>; one
/// that cannot be read is kept as it came), letters are gathered into batches, each batch is stored in one transaction and
/// only then acked with one multiple ack. A crash between commit and ack redelivers the batch, which the letter id turns
/// into no new rows; nothing is acked that is not committed. How a batch is gathered, and how a failed store or ack is met,
/// is the caller's.
/// </summary>
internal sealed class IngestLoop(TimeProvider time, Action<string> unreadable)
{
    private readonly Channel<Delivered> _delivered = Channel.CreateUnbounded<Delivered>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private int _epoch;

    /// <summary>A letter delivered and read, not yet stored; <see cref="Epoch"/> counts the channel's closes before it came.</summary>
    public sealed record Delivered(IngestedLetter Record, ulong DeliveryTag, int Epoch);

    /// <summary>Gathers the next batch from what was delivered; an empty batch ends the loop.</summary>
    public delegate Task Gather(ChannelReader<Delivered> delivered, List<Delivered> batch, CancellationToken cancellationToken);

    /// <summary>The consumer's <c>ReceivedAsync</c>, called one delivery at a time in delivery order.</summary>
    public Task OnReceivedAsync(object sender, BasicDeliverEventArgs delivery)
    {
        // The client reuses the body's buffer once this callback returns: the record keeps its own copy.
        var record = DeadLetterMapper.MapOrKeep(delivery.BasicProperties, delivery.Body.ToArray(), time.GetUtcNow(), out var problem);
        if (problem is not null)
            unreadable(problem);
        _delivered.Writer.TryWrite(new Delivered(record, delivery.DeliveryTag, Volatile.Read(ref _epoch)));
        return Task.CompletedTask;
    }

    /// <summary>The consumer's channel closed: a connection recovery numbers the deliveries after it afresh.</summary>
    public void ChannelClosed() => Interlocked.Increment(ref _epoch);

    /// <summary>
    /// Stores and acks batch after batch until <paramref name="gather"/> gathers none; returns how many letters were taken
    /// (stored now, or found stored already). Without <paramref name="ackFailed"/> an ack that fails throws.
    /// </summary>
    public async Task<long> RunAsync(IChannel channel, Gather gather, Func<List<IngestedLetter>, CancellationToken, Task> store,
        Action<int, Exception>? ackFailed, CancellationToken cancellationToken)
    {
        var batch = new List<Delivered>();
        long taken = 0;
        while (true)
        {
            batch.Clear();
            await gather(_delivered.Reader, batch, cancellationToken);
            if (batch.Count == 0)
                return taken;
            await store(batch.ConvertAll(d => d.Record), cancellationToken);
            await AckAsync(channel, batch, ackFailed);
            taken += batch.Count;
        }
    }

    /// <summary>
    /// One multiple ack up to the newest letter of the batch: every delivery before it on this channel is in this batch or
    /// an earlier one, all committed. Letters delivered on a channel that has closed since (a connection recovery numbers
    /// deliveries afresh) are not acked: the broker redelivers them and they are found stored.
    /// </summary>
    private async Task AckAsync(IChannel channel, List<Delivered> batch, Action<int, Exception>? ackFailed)
    {
        var epoch = Volatile.Read(ref _epoch);
        var last = batch.FindLast(d => d.Epoch == epoch);
        if (last is null)
            return;
        try
        {
            await channel.BasicAckAsync(last.DeliveryTag, multiple: true, CancellationToken.None);
        }
        catch (Exception ex) when (ackFailed is not null
            && ex is RabbitMQ.Client.Exceptions.AlreadyClosedException or RabbitMQ.Client.Exceptions.OperationInterruptedException or IOException)
        {
            ackFailed(batch.Count, ex);
        }
    }
}
