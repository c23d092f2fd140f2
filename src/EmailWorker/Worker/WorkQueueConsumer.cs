using System.Diagnostics;
using EmailWorker.Broker;
using EmailWorker.Configuration;
using EmailWorker.Delivery.Relays;
using EmailWorker.Diagnostics;
using EmailWorker.Messages;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace EmailWorker.Worker;

/// <summary>
/// Consumes the work queue: declares the topology at start-up, hands each delivery to <see cref="MessageHandler"/> with
/// up to <c>Delivery:ConcurrencyLimit</c> at once, and acks or requeues it by the handler's decision. It pauses while
/// every relay's circuit breaker is open or the broker blocks publishers (no move could be confirmed), and resumes when neither is.
/// </summary>
internal sealed class WorkQueueConsumer(
    [FromKeyedServices(BrokerConnection.Consuming)] BrokerConnection broker,
    [FromKeyedServices(BrokerConnection.Publishing)] BrokerConnection publishing,
    TopologyDeclarer declarer,
    TopologyNames names,
    MessageHandler handler,
    RelayRegistry relays,
    IOptions<DeliveryOptions> options,
    FatalStop fatalStop,
    InFlightCounter inFlight,
    WorkerMetrics metrics,
    MessageSpan messageSpan,
    ILogger<WorkQueueConsumer> logger) : IHostedLifecycleService, IDisposable
{
    private const int ResumeAttempts = 5;
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _startAborted = new();
    private Task _startup = Task.CompletedTask;
    private readonly InFlightCounter _inFlight = inFlight;
    private IChannel? _channel;
    private ConsumerTag? _consumerTag;
    private DeliverySettler? _settler;
    private SemaphoreSlim? _slots;
    private bool _started;
    private bool _stopped;
    private bool _brokerBlocked;

    /// <summary>
    /// Whether the work queue is being consumed, and if not, why (the readiness check reads it). An open breaker or a
    /// blocked broker counts as paused from the moment it is known, before the consumer's cancel has gone through.
    /// </summary>
    public ConsumerState State =>
        !Volatile.Read(ref _started) ? ConsumerState.Starting
        : Volatile.Read(ref _stopped) ? ConsumerState.Stopped
        : relays.AllDown ? ConsumerState.PausedByBreaker
        : Volatile.Read(ref _brokerBlocked) ? ConsumerState.PausedWhileBrokerBlocks
        : Volatile.Read(ref _consumerTag) is { IsConsuming: true } ? ConsumerState.Consuming
        : ConsumerState.NotConsuming;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Starts consuming once every hosted service has started, the health and metrics listener included: a worker whose
    /// listener cannot bind fails its start before it holds a single message, and a broker that is away does not hold the
    /// listener back — reaching it (retried for as long as it takes) and consuming run in the background, so
    /// <c>/healthz/live</c> answers throughout and <c>/healthz/ready</c> says Starting until the consumer is on.
    /// </summary>
    public Task StartedAsync(CancellationToken cancellationToken)
    {
        _startup = Task.Run(() => StartConsumingAsync(_startAborted.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>A start that waiting cannot mend (topology mismatch, refused login, a consume that fails) stops the worker: exit 1.</summary>
    private async Task StartConsumingAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ConnectAsync(cancellationToken);
            await ConsumeAsync();
            Volatile.Write(ref _started, true);
            var delivery = options.Value;
            Log.WorkerStarted(logger, names.Work, broker.Endpoint, delivery.ConcurrencyLimit, delivery.PrefetchCount);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped before the broker was reached: nothing was consumed.
        }
        catch (Exception ex)
        {
            fatalStop.Request($"cannot start: {ex.Message}");
        }
    }

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        var connection = await broker.GetAsync(cancellationToken);
        await declarer.PrepareAsync(connection, cancellationToken);
        var delivery = options.Value;
        // The client dispatches one delivery at a time (in order); handling runs up to ConcurrencyLimit at once.
        _channel = await connection.CreateChannelAsync(new CreateChannelOptions(false, false), cancellationToken);
        _settler = new DeliverySettler(_channel, logger);
        var channel = _channel;
        Volatile.Write(ref _consumerTag, new ConsumerTag(
            () => channel.BasicConsumeAsync(names.Work, autoAck: false, NewConsumer(channel)),
            tag => channel.BasicCancelAsync(tag)));
        _slots = new SemaphoreSlim(delivery.ConcurrencyLimit, delivery.ConcurrencyLimit);
        await _channel.BasicQosAsync(0, (ushort)delivery.PrefetchCount, global: false, cancellationToken);
        _channel.ChannelShutdownAsync += OnChannelShutdownAsync;
        relays.EveryRelayDown += PauseAsync;
        relays.RelayRecovered += ResumeAsync;
        var publishingConnection = await publishing.GetAsync(cancellationToken);
        publishingConnection.ConnectionBlockedAsync += OnBlockedAsync;
        publishingConnection.ConnectionUnblockedAsync += OnUnblockedAsync;
        publishingConnection.RecoverySucceededAsync += OnPublishingRecoveredAsync;
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Stops taking messages the moment the host begins to stop (SIGTERM), before any hosted service's stop runs: the
    /// listener's and the others' stops take time, and a delivery started meanwhile could not finish cleanly.
    /// Deliveries that arrive from now on are returned unprocessed (the channel's close gives them back).
    /// </summary>
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        // A start still reaching the broker gives up; one that got further finishes first, so its channel is closed below.
        await _startAborted.CancelAsync();
        await _startup;
        relays.EveryRelayDown -= PauseAsync;
        relays.RelayRecovered -= ResumeAsync;
        var consumerTag = Volatile.Read(ref _consumerTag);
        if (consumerTag is null)
        {
            // The channel was never opened, so nothing was consumed.
            Volatile.Write(ref _stopped, true);
            return;
        }
        try
        {
            await consumerTag.CancelAsync(() =>
            {
                Volatile.Write(ref _stopped, true);
                return _channel is { IsOpen: true };
            });
        }
        catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.AlreadyClosedException or RabbitMQ.Client.Exceptions.OperationInterruptedException or IOException)
        {
            // The channel is gone already: the broker has requeued what it held.
        }
    }

    /// <summary>
    /// Called by the client one delivery at a time, in delivery order: registering the tag here, before any handling
    /// starts, is what lets <see cref="DeliverySettler"/> ack a run of deliveries with one multiple ack safely.
    /// Waiting for a free handling slot is the back-pressure; the prefetch bounds what the client buffers meanwhile.
    /// </summary>
    private async Task OnReceivedAsync(object sender, BasicDeliverEventArgs delivery)
    {
        var settler = _settler!;
        settler.Delivered(delivery.DeliveryTag);
        // Counted before waiting for a slot, so a drain that starts meanwhile waits for this delivery too.
        _inFlight.Enter();
        var handed = false;
        try
        {
            // Deliveries that arrive once stopping began are left unacked, not nacked: the channel's close returns them.
            // (A nack would hand them straight back to a consumer the client recovered after a cancel failed.)
            if (Volatile.Read(ref _stopped))
                return;
            await _slots!.WaitAsync(CancellationToken.None);
            if (Volatile.Read(ref _stopped))
            {
                _slots.Release();
                return;
            }
            // Converted here, once: below the consumer nothing sees the broker's types (the body is copied: the client reuses its buffer).
            var incoming = DeliveredMessage.From(delivery);
            handed = true;
            _ = Task.Run(() => HandleAndSettleAsync(settler, delivery.DeliveryTag, incoming));
        }
        finally
        {
            if (!handed)
                _inFlight.Exit();
        }
    }

    private async Task HandleAndSettleAsync(DeliverySettler settler, ulong deliveryTag, IncomingMessage incoming)
    {
        metrics.Consumed();
        var started = Stopwatch.GetTimestamp();
        using var span = messageSpan.Start(incoming);
        string? errorType = null;
        try
        {
            bool ack;
            try
            {
                ack = await handler.HandleAsync(incoming, _stopping.Token);
            }
            catch (OperationCanceledException)
            {
                ack = false;
            }
            catch (Exception ex)
            {
                // A bug must not lose the message: requeue it; the work queue's delivery limit stops a poison loop.
                // (The handler logs its own failures naming the message; this is what escaped before it could be read.)
                Log.HandlerFailed(logger, SafeText.Bound(incoming.MessageId ?? "(unread)", 200), ex);
                errorType = ex.GetType().Name;
                ack = false;
            }
            // Given back without a recorded outcome: the broker redelivers it, so this handling did not succeed.
            errorType ??= ack ? null : MessageSpan.Requeued;
            // Settle even while stopping: an ack or a requeue must reach the broker before the channel closes.
            if (ack)
                settler.Ack(deliveryTag);
            else
                await settler.RequeueAsync(deliveryTag);
        }
        finally
        {
            metrics.Processed(started, errorType);
            MessageSpan.End(span, errorType);
            _slots!.Release();
            _inFlight.Exit();
        }
    }

    /// <summary>
    /// Connection losses are healed by the client's recovery; a channel the broker itself closed (consumer timeout, queue
    /// deleted) is not, and a worker without it would only look alive.
    /// </summary>
    private Task OnChannelShutdownAsync(object sender, RabbitMQ.Client.Events.ShutdownEventArgs reason)
    {
        if (!Volatile.Read(ref _stopped) && reason.Initiator == ShutdownInitiator.Peer && reason.ReplyCode != Constants.ConnectionForced)
        {
            Log.ConsumerChannelClosed(logger, names.Work, reason.ReplyCode, reason.ReplyText);
            fatalStop.Request($"the broker closed the consumer channel: {reason.ReplyCode} {reason.ReplyText}");
        }
        return Task.CompletedTask;
    }

    /// <summary>A cancel that fails still clears the tag (see <see cref="ConsumerTag"/>), so the next resume consumes.</summary>
    private async Task PauseAsync()
    {
        if (Volatile.Read(ref _consumerTag) is { } consumerTag && await consumerTag.CancelAsync())
            Log.ConsumptionPaused(logger, names.Work);
    }

    /// <summary>
    /// Consumes again once nothing holds consumption paused. A consume that fails (the connection is recovering) is tried
    /// again with growing pauses; a worker that still cannot consume stops non-zero so its supervisor restarts it, rather
    /// than staying paused for good while it looks healthy.
    /// </summary>
    private async Task ResumeAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await ConsumeAsync();
                return;
            }
            // No token is passed in: an OperationCanceledException here is an RPC that timed out, tried again like any failure.
            catch (Exception ex) when (!Volatile.Read(ref _stopped))
            {
                Log.ResumeFailed(logger, names.Work, attempt, ex.Message);
                if (attempt == ResumeAttempts)
                {
                    fatalStop.Request($"could not consume {names.Work} again: {ex.Message}");
                    return;
                }
            }
            await Task.Delay(TimeSpan.FromSeconds(2 * attempt));
        }
    }

    private async Task ConsumeAsync()
    {
        // The breakers may all have opened again since one raised Closed: consuming now would only cycle messages.
        if (Volatile.Read(ref _consumerTag) is { } consumerTag
            && await consumerTag.ConsumeAsync(() => !Volatile.Read(ref _stopped) && !relays.AllDown && !Volatile.Read(ref _brokerBlocked)))
            Log.ConsumptionResumed(logger, names.Work);
    }

    private WorkQueueBasicConsumer NewConsumer(IChannel channel)
    {
        var consumer = new WorkQueueBasicConsumer(channel, OnCancelledByBrokerAsync);
        consumer.ReceivedAsync += OnReceivedAsync;
        return consumer;
    }

    private Task OnCancelledByBrokerAsync(string consumerTag)
    {
        if (!Volatile.Read(ref _stopped))
        {
            Log.ConsumerCancelledByBroker(logger, names.Work);
            fatalStop.Request($"the broker cancelled the consumer of {names.Work} (was the queue deleted?)");
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// The broker blocks this process's publishing connection (memory or disk alarm): no move can be confirmed until it
    /// unblocks, so taking more messages would only pile up sent-but-unrecorded ones. In-flight moves keep waiting.
    /// </summary>
    private async Task OnBlockedAsync(object sender, RabbitMQ.Client.Events.ConnectionBlockedEventArgs blocked)
    {
        Log.BrokerBlocked(logger, blocked.Reason);
        Volatile.Write(ref _brokerBlocked, true);
        await PauseAsync();
    }

    private async Task OnUnblockedAsync(object sender, RabbitMQ.Client.Events.AsyncEventArgs unblocked)
    {
        Log.BrokerUnblocked(logger);
        Volatile.Write(ref _brokerBlocked, false);
        await ResumeAsync();
    }

    /// <summary>
    /// A recovered connection is a new one, unblocked until the broker says otherwise (it blocks it again if its alarm is
    /// still on). The broker never says "unblocked" for the connection it blocked before the node restarted: without
    /// this, consumption would stay paused for good.
    /// </summary>
    private async Task OnPublishingRecoveredAsync(object sender, RabbitMQ.Client.Events.AsyncEventArgs recovered)
    {
        if (!Volatile.Read(ref _brokerBlocked))
            return;
        Log.BrokerBlockEndedByRecovery(logger);
        Volatile.Write(ref _brokerBlocked, false);
        await ResumeAsync();
    }

    /// <summary>
    /// Stops taking messages, then gives in-flight ones until the host's shutdown timeout to finish. When that runs out,
    /// their SMTP sends are cancelled and they are requeued, so nothing is acked without its 250 and nothing is lost.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Normally done already by StoppingAsync; again here for a host that stops without it (a start that failed).
        await StoppingAsync(cancellationToken);
        try
        {
            await _inFlight.WaitDrainedAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            Log.DrainTimedOut(logger, _inFlight.Count);
            await _stopping.CancelAsync();
            await _inFlight.WaitDrainedAsync(CancellationToken.None);
        }
        if (_settler is not null)
            await _settler.DisposeAsync();
        if (_channel is not null)
        {
            // Closing the channel returns whatever was prefetched but never handed to the handler.
            await _channel.CloseAsync(CancellationToken.None);
            await _channel.DisposeAsync();
        }
        Log.WorkerStopped(logger, names.Work);
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _startAborted.Dispose();
        _consumerTag?.Dispose();
        _slots?.Dispose();
    }
}
