using EmailWorker.Broker;
using EmailWorker.Configuration;
using EmailWorker.Delivery.Relays;
using EmailWorker.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace EmailWorker.Worker;

/// <summary>
/// Consumes the work queue of every lane (one consumer each, on one channel): declares the topology at start-up, hands
/// each delivery to <see cref="MessageHandler"/> with up to <c>Delivery:ConcurrencyLimit</c> at once — the next free slot
/// going to the lane <see cref="LanePicker"/> chooses — and acks or requeues it by the handler's decision. It pauses while
/// every relay's circuit breaker is open or the broker blocks publishers (no move could be confirmed), and resumes when neither is.
/// Its start and stop here; each delivery's way in <c>WorkQueueConsumer.Deliveries.cs</c>; pausing and resuming in
/// <c>WorkQueueConsumer.Pausing.cs</c>.
/// </summary>
internal sealed partial class WorkQueueConsumer(
    [FromKeyedServices(BrokerConnection.Consuming)] BrokerConnection broker,
    [FromKeyedServices(BrokerConnection.Publishing)] BrokerConnection publishing,
    TopologyDeclarer declarer,
    TopologyNames names,
    MessageHandler handler,
    DeliveryLedger ledger,
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
    private readonly CancellationTokenSource _dispatching = new();
    private readonly LaneDispatcher<PendingDelivery> _waiting = new(new LanePicker(options.Value.BulkShare));
    private Task _dispatch = Task.CompletedTask;
    private IChannel? _channel;
    private ConsumerTag[]? _consumerTags;
    private DeliverySettler? _settler;
    private SemaphoreSlim? _slots;
    private bool _started;
    private bool _stopped;
    private bool _brokerBlocked;

    /// <summary>
    /// Whether every lane's work queue is being consumed, and if not, why (the readiness check reads it): a lane without
    /// its consumer is not consuming, whatever the others do. An open breaker or a blocked broker counts as paused from
    /// the moment it is known, before the consumers' cancels have gone through.
    /// </summary>
    public ConsumerState State =>
        !Volatile.Read(ref _started) ? ConsumerState.Starting
        : Volatile.Read(ref _stopped) ? ConsumerState.Stopped
        : relays.AllDown ? ConsumerState.PausedByBreaker
        : Volatile.Read(ref _brokerBlocked) ? ConsumerState.PausedWhileBrokerBlocks
        : NotConsumed.Count == 0 ? ConsumerState.Consuming
        : ConsumerState.NotConsuming;

    /// <summary>The work queues of the lanes without a consumer at this moment (all of them before start-up).</summary>
    public IReadOnlyList<string> NotConsumed => Volatile.Read(ref _consumerTags) is { } tags
        ? [.. Lanes.All.Where(lane => !tags[(int)lane].IsConsuming).Select(names.WorkFor)]
        : [.. Lanes.All.Select(names.WorkFor)];

    /// <summary>How many deliveries of <paramref name="lane"/> this worker holds, waiting for a handling slot.</summary>
    public int Waiting(Lane lane) => _waiting.Waiting(lane);

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
            _dispatch = Task.Run(DispatchAsync, CancellationToken.None);
            await ConsumeAsync();
            Volatile.Write(ref _started, true);
            var delivery = options.Value;
            Log.WorkerStarted(logger, string.Join(", ", Lanes.NormalFirst.Select(names.WorkFor)), broker.Endpoint, delivery.ConcurrencyLimit, delivery.PrefetchCount);
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
        _settler = new DeliverySettler(_channel, ledger.RecordedAsync, logger).Start();
        var channel = _channel;
        // One consumer per lane on the one channel: delivery tags stay one sequence, so the settler's multiple acks hold.
        Volatile.Write(ref _consumerTags, [.. Lanes.All.Select(lane => new ConsumerTag(
            () => channel.BasicConsumeAsync(names.WorkFor(lane), autoAck: false, NewConsumer(channel, lane)),
            tag => channel.BasicCancelAsync(tag)))]);
        _slots = new SemaphoreSlim(delivery.ConcurrencyLimit, delivery.ConcurrencyLimit);
        // Not global: the prefetch holds for each lane's consumer, so a bulk backlog never fills a high consumer's window.
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
        // Stopped first: deliveries waiting for a slot are no longer handed over (the channel's close returns them).
        Volatile.Write(ref _stopped, true);
        await _dispatching.CancelAsync();
        await _dispatch;
        foreach (var consumerTag in Volatile.Read(ref _consumerTags) ?? [])
        {
            try
            {
                await consumerTag.CancelAsync(() => _channel is { IsOpen: true });
            }
            catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.AlreadyClosedException or RabbitMQ.Client.Exceptions.OperationInterruptedException or IOException)
            {
                // The channel is gone already: the broker has requeued what it held.
            }
        }
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
        Log.WorkerStopped(logger, string.Join(", ", Lanes.NormalFirst.Select(names.WorkFor)));
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _startAborted.Dispose();
        _dispatching.Dispose();
        _waiting.Dispose();
        foreach (var consumerTag in _consumerTags ?? [])
            consumerTag.Dispose();
        _slots?.Dispose();
    }
}
