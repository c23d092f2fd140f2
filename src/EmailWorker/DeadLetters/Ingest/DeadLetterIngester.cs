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
/// Consumes the dead-letter queue into the store through the <see cref="IngestLoop"/>: letters are gathered into batches (up
/// to <c>DeadLetters:IngestBatchSize</c> or 50 ms), each batch is stored in one transaction, and only then acked with one
/// multiple ack. A store that fails keeps its batch unacked and is tried again with backoff.
/// </summary>
internal sealed class DeadLetterIngester(
    [FromKeyedServices(BrokerConnection.Consuming)] BrokerConnection broker,
    TopologyDeclarer declarer,
    TopologyNames names,
    DeadLetterStoreProvider stores,
    SoleIngesterGuard soleIngester,
    FatalStop fatalStop,
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
        var session = new Session(new IngestLoop(time, problem => Log.DeadLetterUnreadable(logger, problem)));
        await using var channel = await connection.CreateChannelAsync(cancellationToken: stoppingToken);
        if (soleIngester.Applies && !await soleIngester.WaitUntilAloneAsync(channel, stoppingToken))
        {
            fatalStop.RequestForConfiguration(soleIngester.Refusal);
            return null;
        }
        // Twice the batch: the broker sends the next batch while the previous one is being stored.
        await channel.BasicQosAsync(0, (ushort)Math.Min(ushort.MaxValue, 2 * batchSize), global: false, stoppingToken);
        channel.ChannelShutdownAsync += (_, reason) => session.OnShutdown(reason);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += session.Letters.OnReceivedAsync;
        // This code never cancels its consumer: a cancel comes from the broker (the queue was deleted) and ends the session.
        consumer.UnregisteredAsync += (_, _) => session.OnCancelled();
        await channel.BasicConsumeAsync(names.Dead, autoAck: false, consumer, stoppingToken);
        if (soleIngester.Applies && await soleIngester.OthersAsync(channel, own: 1, stoppingToken) > 0 && !soleIngester.AnotherIngesterOfThisFile())
        {
            // Another ingester subscribed at the same moment: both let go (nothing stored or acked yet, the channel's close
            // requeues what arrived) and try again at different times, when the one that comes second waits and refuses.
            await channel.CloseAsync(CancellationToken.None);
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(0, 3000)), time, stoppingToken);
            return $"another consumer subscribed to {names.Dead} at the same moment";
        }
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

    private Task<long> StoreLoopAsync(IDeadLetterStore store, IChannel channel, Session session, int batchSize, CancellationToken stoppingToken) =>
        session.Letters.RunAsync(channel,
            async (delivered, batch, token) =>
            {
                if (await delivered.WaitToReadAsync(token))
                    await GatherAsync(delivered, batch, batchSize, token);
            },
            async (records, token) =>
            {
                var stored = await RetryAsync(() => store.InsertAsync(records, token), "store a batch", token);
                Log.DeadLettersStored(logger, stored, records.Count, records.Count - stored);
            },
            (count, ex) => Log.DeadLetterAckFailed(logger, count, ex.Message),
            stoppingToken);

    private async Task GatherAsync(ChannelReader<IngestLoop.Delivered> reader, List<IngestLoop.Delivered> batch, int batchSize, CancellationToken stoppingToken)
    {
        var started = time.GetTimestamp();
        long bytes = 0;
        while (batch.Count < batchSize && bytes < MaxBatchBytes)
        {
            if (reader.TryRead(out var item))
            {
                batch.Add(item);
                bytes += item.Record.Content.Body.Length;
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

    /// <summary>What the channel's events and the store loop share for one channel.</summary>
    private sealed class Session(IngestLoop letters)
    {
        private readonly TaskCompletionSource<string> _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IngestLoop Letters { get; } = letters;

        /// <summary>Completes, with the reason, when the broker closed the channel or cancelled the consumer (a connection loss is recovered by the client instead).</summary>
        public Task<string> Lost => _lost.Task;

        public Task OnShutdown(ShutdownEventArgs reason)
        {
            Letters.ChannelClosed();
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
