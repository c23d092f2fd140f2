using EmailWorker.Configuration;
using EmailWorker.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EmailWorker.Delivery.Relays;

/// <summary>
/// Every configured relay (<see cref="RelaySettings.All"/>), keyed by name, each with its own gate, pool and breaker.
/// Tells the consumer when the last relay's breaker opens (<see cref="EveryRelayDown"/>: stop taking messages, as with
/// one relay) and when any closes again (<see cref="RelayRecovered"/>).
/// </summary>
internal sealed class RelayRegistry : IAsyncDisposable
{
    private readonly Relay[] _relays;
    private readonly Dictionary<string, Relay> _byName;
    private readonly Func<string, RelayHealth> _health;
    private readonly Lock _lock = new();
    private TaskCompletionSource _recovered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public RelayRegistry(IOptions<SmtpOptions> smtp, IOptions<DeliveryOptions> delivery, TimeProvider time, WorkerMetrics metrics, ILoggerFactory loggers)
    {
        _relays = [.. RelaySettings.All(smtp.Value).Select(settings => Create(settings, delivery, time, metrics, loggers))];
        _byName = _relays.ToDictionary(relay => relay.Name, StringComparer.OrdinalIgnoreCase);
        _health = name => _byName[name].Health;
    }

    private Relay Create(RelaySettings settings, IOptions<DeliveryOptions> delivery, TimeProvider time, WorkerMetrics metrics, ILoggerFactory loggers)
    {
        var limits = new RelayLimits(settings.Name, settings.Adaptive, settings.MinConnections, settings.InitialConnections, settings.Connection.PoolSize,
            settings.Adaptive ? settings.MaxRatePerSecond : null);
        var gate = new RelayGate(limits, time, metrics, loggers.CreateLogger<RelayGate>());
        var pool = new SmtpConnectionPool(settings.Connection, metrics, gate, loggers.CreateLogger<SmtpConnectionPool>());
        var breaker = new RelayCircuitBreaker(pool, delivery, time, loggers.CreateLogger<RelayCircuitBreaker>(), settings.Name,
            () => _relays.Any(other => !string.Equals(other.Name, settings.Name, StringComparison.OrdinalIgnoreCase) && !other.Breaker.IsOpen));
        breaker.Opened += OnOpenedAsync;
        breaker.Closed += OnClosedAsync;
        return new Relay(settings.Name, settings.Weight, gate, pool, breaker);
    }

    /// <summary>Raised when a breaker opens and every relay's is open now: stop taking messages.</summary>
    public event Func<Task>? EveryRelayDown;

    /// <summary>Raised when a relay's breaker closed: take messages again (if the consumer was paused).</summary>
    public event Func<Task>? RelayRecovered;

    public IReadOnlyList<Relay> All => _relays;

    /// <summary>Whether every relay's breaker is open: nothing can be sent, so nothing is taken from the work queue.</summary>
    public bool AllDown => Array.TrueForAll(_relays, relay => relay.Breaker.IsOpen);

    /// <summary>The relays whose breaker is open, by name.</summary>
    public IReadOnlyList<string> Down => [.. _relays.Where(relay => relay.Breaker.IsOpen).Select(relay => relay.Name)];

    /// <summary>The relay of that name (case-insensitive), or null.</summary>
    public Relay? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>The relay <paramref name="route"/> sends through now (<see cref="RelayRouter.Choose"/>), or null when all of its relays are down.</summary>
    public Relay? Choose(RelayRoute route) =>
        RelayRouter.Choose(route, _health, Random.Shared.NextDouble()) is { } chosen ? _byName[chosen] : null;

    /// <summary>Waits until some relay's breaker closes, or <paramref name="timeout"/> passes; false when it passed.</summary>
    public async Task<bool> WaitForRecoveryAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        Task recovered;
        lock (_lock)
            recovered = _recovered.Task;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var passed = Task.Delay(timeout, time, stop.Token);
        var first = await Task.WhenAny(recovered, passed);
        await stop.CancelAsync();
        cancellationToken.ThrowIfCancellationRequested();
        return first == recovered;
    }

    private async Task OnOpenedAsync()
    {
        if (AllDown && EveryRelayDown is { } handler)
            await handler();
    }

    private async Task OnClosedAsync()
    {
        TaskCompletionSource recovered;
        lock (_lock)
        {
            recovered = _recovered;
            _recovered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        recovered.TrySetResult();
        if (RelayRecovered is { } handler)
            await handler();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var relay in _relays)
            await relay.DisposeAsync();
    }
}
