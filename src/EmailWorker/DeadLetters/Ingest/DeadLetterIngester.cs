using System.Threading.Channels;
using EmailWorker.Broker;
using EmailWorker.Configuration;
using EmailWorker.DeadLetters.Store;
using EmailWorker.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client.Events;
using RabbitMQ.Client;

namespace EmailWorker.DeadLetters.Ingest;

/// <summary>
/// Consumes the dead-letter queue into the store: letters are gathered into batches (up to <c>DeadLetters:IngestBatchSize</c>
/// or 50 ms), each batch is stored in one transaction, and only then acked with one multiple ack. A crash between commit and
/// ack redelivers the batch, which the letter id turns into no new rows. A store that fails keeps its batch unacked and is
/// tried again with backoff; nothing is acked that is not committed.
/// </summary>
internal sealed class DeadLetterIngester(
    [FromKeyedServices(BrokerConnection.Consuming)] BrokerConnection broker,
    TopologyDeclarer declarer,
    TopologyNames names,
    DeadLetterStoreProvider stores,
    IOptions<DeadLetterOptions> options,
    TimeProvider time,
    ILogger<DeadLetterIngester> logger) : BackgroundService
{
    private static readonly TimeSpan GatherWindow = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
    // Dead letters may carry attachments: a batch also ends at this many body bytes.
    private const long MaxBatchBytes = 32 * 1024 * 1024;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Ingest)
        {
            Log.DeadLetterIngestOff(logger);
            return;
        }
        var store = await RetryAsync(() => stores.GetAsync(stoppingToken), "open", stoppingToken);
        // Dead letters must not stop delivery: whatever interrupts consuming, it starts again after a pause.
        while (true)
        {
            string problem;
            try
            {
                if (await ConsumeAsync(store, stoppingToken) is not { } lost)
                    return;
                problem = lost;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                problem = ex.Message;
            }
            var delay = TimeSpan.FromSeconds(5);
            Log.DeadLetterIngestInterrupted(logger, names.Dead, problem, delay);
            await Task.Delay(delay, time, stoppingToken);
        }
    }

    /// <summary>One consuming session on its own channel; returns why the broker ended it, or null when stopping.</summary>
    private async Task<string?> ConsumeAsync(IDeadLetterStore store, CancellationToken stoppingToken)
    {
        var batchSize = options.Value.IngestBatchSize;
        var connection = await broker.GetAsync(stoppingToken);
        await declarer.PrepareAsync(connection, stoppingToken);
        var session = new Session(Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true }));
        await using var channel = await connection.CreateChannelAsync(cancellationToken: stoppingToken);
        // Twice the batch: the broker sends the next batch while the previous one is being stored.
        await channel.BasicQosAsync(0, (ushort)Math.Min(ushort.MaxValue, 2 * batchSize), global: false, stoppingToken);
        channel.ChannelShutdownAsync += (_, reason) => session.OnShutdown(reason);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) => session.OnDelivered(Read(delivery), delivery.DeliveryTag);
        // This code never cancels its consumer: a cancel comes from the broker (the queue was deleted) and ends the session.
        consumer.UnregisteredAsync += (_, _) => session.OnCancelled();
        await channel.BasicConsumeAsync(names.Dead, autoAck: false, consumer, stoppingToken);
        Log.DeadLetterIngestStarted(logger, names.Dead, store.Description, batchSize);
        using var sessionStop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        try
        {
            var storing = StoreLoopAsync(store, channel, session, batchSize, sessionStop.Token);
            if (await Task.WhenAny(storing, session.Lost) == session.Lost)
            {
                // What this session holds unacked the broker has requeued with the channel; the store loop ends with it.
                await sessionStop.CancelAsync();
                try
                {
                    await storing;
                }
                catch (OperationCanceledException) when (sessionStop.IsCancellationRequested)
                {
                }
                return await session.Lost;
            }
            await storing;
            return null;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: what is not acked goes back to the queue when the channel closes below.
            Log.DeadLetterIngestStopped(logger, names.Dead);
            return null;
        }
        finally
        {
            if (channel.IsOpen)
                await channel.CloseAsync(CancellationToken.None);
        }
    }

    private DeadLetterRecord Read(BasicDeliverEventArgs delivery)
    {
        // The client reuses the body's buffer once this callback returns: the record keeps its own copy.
        var body = delivery.Body.ToArray();
        var record = DeadLetterMapper.MapOrKeep(delivery.BasicProperties, body, time.GetUtcNow(), out var problem);
        if (problem is not null)
            Log.DeadLetterUnreadable(logger, problem);
        return record;
    }

    private async Task StoreLoopAsync(IDeadLetterStore store, IChannel channel, Session session, int batchSize, CancellationToken stoppingToken)
    {
        var reader = session.Pending.Reader;
        var batch = new List<Pending>(batchSize);
        while (await reader.WaitToReadAsync(stoppingToken))
        {
            batch.Clear();
            await GatherAsync(reader, batch, batchSize, stoppingToken);
            var records = batch.ConvertAll(p => p.Record);
            var stored = await RetryAsync(() => store.InsertAsync(records, stoppingToken), "store a batch", stoppingToken);
            Log.DeadLettersStored(logger, stored, batch.Count, batch.Count - stored);
            await AckAsync(channel, session, batch);
        }
    }

    private async Task GatherAsync(ChannelReader<Pending> reader, List<Pending> batch, int batchSize, CancellationToken stoppingToken)
    {
        var started = time.GetTimestamp();
        long bytes = 0;
        while (batch.Count < batchSize && bytes < MaxBatchBytes)
        {
            if (reader.TryRead(out var item))
            {
                batch.Add(item);
                bytes += item.Record.Body.Length;
                continue;
            }
            var left = GatherWindow - time.GetElapsedTime(started);
            if (left <= TimeSpan.Zero)
                return;
            using var window = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            window.CancelAfter(left);
            try
            {
                if (!await reader.WaitToReadAsync(window.Token))
                    return;
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>
    /// One multiple ack up to the newest letter of the batch: every delivery before it on this channel is in this batch or
    /// an earlier one, all committed. Letters delivered on a channel that has closed since (a connection recovery numbers
    /// deliveries afresh) are not acked: the broker redelivers them and they are found stored.
    /// </summary>
    private async Task AckAsync(IChannel channel, Session session, List<Pending> batch)
    {
        var epoch = session.Epoch;
        var last = batch.FindLast(p => p.Epoch == epoch);
        if (last is null)
            return;
        try
        {
            await channel.BasicAckAsync(last.DeliveryTag, multiple: true, CancellationToken.None);
        }
        catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.AlreadyClosedException or RabbitMQ.Client.Exceptions.OperationInterruptedException or IOException)
        {
            Log.DeadLetterAckFailed(logger, batch.Count, ex.Message);
        }
    }

    private async Task<T> RetryAsync<T>(Func<Task<T>> operation, string what, CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (true)
        {
            try
            {
                return await operation();
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                Log.DeadLetterStoreFailed(logger, options.Value.Store, what, ex.Message, delay);
                await Task.Delay(delay, time, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    private sealed record Pending(DeadLetterRecord Record, ulong DeliveryTag, int Epoch);

    /// <summary>What the delivery callback and the store loop share for one channel.</summary>
    private sealed class Session(Channel<Pending> pending)
    {
        private readonly TaskCompletionSource<string> _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _epoch;

        public Channel<Pending> Pending { get; } = pending;

        public int Epoch => Volatile.Read(ref _epoch);

        /// <summary>Completes, with the reason, when the broker closed the channel or cancelled the consumer (a connection loss is recovered by the client instead).</summary>
        public Task<string> Lost => _lost.Task;

        public Task OnDelivered(DeadLetterRecord record, ulong deliveryTag)
        {
            Pending.Writer.TryWrite(new Pending(record, deliveryTag, Epoch));
            return Task.CompletedTask;
        }

        public Task OnShutdown(ShutdownEventArgs reason)
        {
            Interlocked.Increment(ref _epoch);
            if (reason.Initiator == ShutdownInitiator.Peer && reason.ReplyCode != Constants.ConnectionForced)
                _lost.TrySetResult($"the broker closed the channel: {reason.ReplyCode} {reason.ReplyText}");
            return Task.CompletedTask;
        }

        public Task OnCancelled()
        {
            _lost.TrySetResult("the broker cancelled the consumer: the queue was deleted or moved");
            return Task.CompletedTask;
        }
    }
}
