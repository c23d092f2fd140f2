using System.Text.Json;
using System.Threading.Channels;
using EmailWorker.Contracts;
using EmailWorker.Contracts.Events;
using EmailWorker.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;

namespace EmailWorker.Broker;

/// <summary>
/// Publishes status events to the events exchange from a bounded in-memory queue on a channel of its own. Delivery only
/// enqueues: an event can never block or fail a delivery. Events are notifications, not the record (that is the dead-letter
/// queue and the log): when the broker is away or the queue is full, they are dropped and the drop is logged. The one
/// publisher of status events: the worker's outcomes (<see cref="OutcomeReporter"/>) and a replay's <c>email.replayed</c>.
/// </summary>
/// <param name="connect">Gives the connection to publish on: the worker's publishing connection, or an operator's.</param>
/// <param name="exchange">The events exchange (<c>&lt;prefix&gt;.events</c>).</param>
/// <param name="logger">Where drops are logged.</param>
internal sealed class StatusEventPublisher(Func<CancellationToken, Task<IConnection>> connect, string exchange, ILogger<StatusEventPublisher> logger) : BackgroundService
{
    private const int Capacity = 10_000;
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(5);
    private readonly Channel<(string RoutingKey, byte[] Body)> _queue = Channel.CreateBounded<(string, byte[])>(
        new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private IChannel? _channel;
    private long _dropped;

    public void Publish(EmailStatusEvent statusEvent)
    {
        if (!_queue.Writer.TryWrite(Serialize(statusEvent)))
            Interlocked.Increment(ref _dropped);
    }

    /// <summary>
    /// Queues an event, waiting for room rather than dropping it when the queue is full: for a replay, which can wait (the
    /// worker's deliveries use <see cref="Publish"/>, which never waits).
    /// </summary>
    public ValueTask PublishAsync(EmailStatusEvent statusEvent, CancellationToken cancellationToken) =>
        _queue.Writer.WriteAsync(Serialize(statusEvent), cancellationToken);

    private static (string RoutingKey, byte[] Body) Serialize(EmailStatusEvent statusEvent)
    {
        var body = statusEvent switch
        {
            EmailDelivered delivered => JsonSerializer.SerializeToUtf8Bytes(delivered, ContractsJsonContext.Default.EmailDelivered),
            EmailDeferred deferred => JsonSerializer.SerializeToUtf8Bytes(deferred, ContractsJsonContext.Default.EmailDeferred),
            EmailDeadLettered dead => JsonSerializer.SerializeToUtf8Bytes(dead, ContractsJsonContext.Default.EmailDeadLettered),
            EmailRejected rejected => JsonSerializer.SerializeToUtf8Bytes(rejected, ContractsJsonContext.Default.EmailRejected),
            EmailExpired expired => JsonSerializer.SerializeToUtf8Bytes(expired, ContractsJsonContext.Default.EmailExpired),
            EmailInDoubt inDoubt => JsonSerializer.SerializeToUtf8Bytes(inDoubt, ContractsJsonContext.Default.EmailInDoubt),
            EmailSuppressed suppressed => JsonSerializer.SerializeToUtf8Bytes(suppressed, ContractsJsonContext.Default.EmailSuppressed),
            EmailReplayed replayed => JsonSerializer.SerializeToUtf8Bytes(replayed, ContractsJsonContext.Default.EmailReplayed),
            _ => throw new ArgumentException($"unknown event type {statusEvent.GetType().Name}", nameof(statusEvent)),
        };
        return ($"email.{statusEvent.Outcome}", body);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Read until the writer is completed at shutdown, so events of the last in-flight messages still go out.
        await foreach (var (routingKey, body) in _queue.Reader.ReadAllAsync(CancellationToken.None))
        {
            try
            {
                // Its own timeout, not the stopping token: the last events are still published while the host stops.
                using var timeout = new CancellationTokenSource(PublishTimeout);
                var channel = await ChannelAsync(timeout.Token);
                var properties = new BasicProperties { ContentType = "application/json", Persistent = true };
                await channel.BasicPublishAsync(exchange, routingKey, mandatory: false, properties, body, timeout.Token);
            }
            catch (Exception ex)
            {
                Interlocked.Increment(ref _dropped);
                Log.EventDropped(logger, routingKey, ex.Message);
            }
        }
    }

    private async Task<IChannel> ChannelAsync(CancellationToken cancellationToken)
    {
        if (_channel is { IsOpen: true } open)
            return open;
        if (_channel is not null)
            await _channel.DisposeAsync();
        var connection = await connect(cancellationToken);
        _channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        return _channel;
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
        if (Interlocked.Read(ref _dropped) is > 0 and var dropped)
            Log.EventsDroppedInTotal(logger, dropped);
        if (_channel is not null)
            await _channel.DisposeAsync();
    }
}
