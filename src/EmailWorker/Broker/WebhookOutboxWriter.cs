using System.Threading.Channels;
using EmailWorker.Configuration;
using EmailWorker.Diagnostics;
using EmailWorker.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace EmailWorker.Broker;

/// <summary>
/// Writes the status events the webhook endpoints want into the store's outbox: it consumes them from a durable quorum
/// queue of its own (<c>&lt;prefix&gt;.webhooks</c>, bound to the events exchange for those event types), gathers them
/// into batches (up to <see cref="BatchSize"/> or <see cref="GatherWindow"/>), adds a row per event and matching endpoint
/// in one transaction, and only then acks the batch with one multiple ack. A crash before the ack redelivers the events,
/// whose webhook ids find their rows there already. The delivery path is not touched: it publishes its events as before.
/// </summary>
internal sealed class WebhookOutboxWriter(
    [FromKeyedServices(BrokerConnection.Consuming)] BrokerConnection broker,
    TopologyDeclarer declarer,
    TopologyNames names,
    IOptions<TopologyOptions> topology,
    WebhookSettings settings,
    IWebhookStoreSource stores,
    WebhookWakeUp wakeUp,
    TimeProvider time,
    ILogger<WebhookOutboxWriter> logger) : BackgroundService
{
    public const int BatchSize = 256;
    // Long enough that the outbox commits a few times a second, not per event: on SQLite every commit takes the file's one
    // write lock (and an fsync), which the delivered ledger on the delivery path needs too.
    private static readonly TimeSpan GatherWindow = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan RestartDelay = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MaxStoreBackoff = TimeSpan.FromSeconds(30);

    private sealed record Event(ulong DeliveryTag, string RoutingKey, byte[] Body);

    private IReadOnlyList<WebhookEndpoint> Endpoints => settings.Endpoints;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (Endpoints.Count == 0)
            return;
        while (true)
        {
            try
            {
                await ConsumeAsync(stoppingToken);
                return;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // What this session had not acked the broker requeues with its channel; nothing is lost.
                Log.WebhookWriterInterrupted(logger, names.Webhooks, ex.Message, RestartDelay);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            await Task.Delay(RestartDelay, time, stoppingToken);
        }
    }

    private async Task ConsumeAsync(CancellationToken stoppingToken)
    {
        var store = await stores.GetAsync(stoppingToken);
        var connection = await broker.GetAsync(stoppingToken);
        // The events exchange first (idempotent): this may run before the consumer has declared it.
        await declarer.PrepareAsync(connection, stoppingToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: stoppingToken);
        await DeclareAsync(channel, stoppingToken);
        // Twice the batch: the broker sends the next batch while this one is stored.
        await channel.BasicQosAsync(0, 2 * BatchSize, global: false, stoppingToken);
        var events = Channel.CreateUnbounded<Event>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        // A closed channel (connection lost, queue deleted) ends the session: its unacked events are back in the queue, and
        // its delivery tags mean nothing on the next one.
        channel.ChannelShutdownAsync += (_, reason) =>
        {
            events.Writer.TryComplete(new IOException($"the channel closed: {reason.ReplyCode} {reason.ReplyText}"));
            return Task.CompletedTask;
        };
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            // The client reuses the body's buffer once this returns.
            events.Writer.TryWrite(new Event(delivery.DeliveryTag, delivery.RoutingKey, delivery.Body.ToArray()));
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(names.Webhooks, autoAck: false, consumer, stoppingToken);
        Log.WebhookWriterStarted(logger, names.Webhooks, Endpoints.Count);
        var batch = new List<Event>(BatchSize);
        while (true)
        {
            batch.Clear();
            if (!await events.Reader.WaitToReadAsync(stoppingToken))
                return;
            await GatherAsync(events.Reader, batch, stoppingToken);
            await StoreAsync(store, Entries(batch), stoppingToken);
            await channel.BasicAckAsync(batch[^1].DeliveryTag, multiple: true, stoppingToken);
            wakeUp.Signal();
        }
    }

    private async Task DeclareAsync(IChannel channel, CancellationToken stoppingToken)
    {
        if (!topology.Value.Declare)
        {
            await channel.QueueDeclarePassiveAsync(names.Webhooks, stoppingToken);
            return;
        }
        await channel.QueueDeclareAsync(names.Webhooks, durable: true, exclusive: false, autoDelete: false,
            new Dictionary<string, object?> { ["x-queue-type"] = "quorum" }, cancellationToken: stoppingToken);
        foreach (var eventType in Endpoints.SelectMany(e => e.EventTypes).Distinct(StringComparer.Ordinal))
            await channel.QueueBindAsync(names.Webhooks, names.Events, eventType, cancellationToken: stoppingToken);
    }

    private async Task GatherAsync(ChannelReader<Event> reader, List<Event> batch, CancellationToken stoppingToken)
    {
        var started = time.GetTimestamp();
        while (batch.Count < BatchSize)
        {
            if (reader.TryRead(out var item))
            {
                batch.Add(item);
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

    /// <summary>A row per event and endpoint that wants it; an event that cannot be read is logged and acked with the batch.</summary>
    private List<OutboxEntry> Entries(List<Event> batch)
    {
        var now = time.GetUtcNow();
        var entries = new List<OutboxEntry>(batch.Count);
        foreach (var item in batch)
        {
            if (!WebhookPayload.TryRead(item.RoutingKey, item.Body, out var payload, out var problem))
            {
                Log.WebhookEventUnreadable(logger, SafeText.Bound(item.RoutingKey, 100), problem);
                continue;
            }
            foreach (var endpoint in Endpoints.Where(e => e.Wants(payload!.EventType, payload.Tags)))
                entries.Add(new OutboxEntry(payload!.WebhookId, endpoint.Name, payload.EventType, payload.MessageId, payload.Body, now));
        }
        return entries;
    }

    /// <summary>Tries the store until it takes the batch: the events wait unacked meanwhile (the queue holds the rest).</summary>
    private async Task StoreAsync(IWebhookStore store, List<OutboxEntry> entries, CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (true)
        {
            try
            {
                await store.AddToOutboxAsync(entries, stoppingToken);
                return;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested && ex is not OperationCanceledException)
            {
                Log.WebhookStoreFailed(logger, $"store {entries.Count} webhook(s)", ex.Message, delay);
                await Task.Delay(delay, time, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxStoreBackoff.Ticks));
            }
        }
    }
}
