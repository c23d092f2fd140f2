using EmailWorker.Diagnostics;
using Microsoft.Extensions.Logging;

namespace EmailWorker.Delivery;

/// <summary>
/// Holds senders to one relay's current limits (<see cref="RelayPaceController"/>): at most its connection limit take a
/// connection at once, and transaction starts are spaced to its rate. Feeds the controller what happened, and logs every
/// change of a limit with its reason — decreases as they happen (once per episode), increases at most every
/// <see cref="IncreaseLogEvery"/>, folded into one line.
/// </summary>
internal sealed class RelayGate
{
    private static readonly TimeSpan IncreaseLogEvery = TimeSpan.FromSeconds(5);

    /// <summary>How long after a refusal at its minimum the relay counts as throttling hard (messages prefer another relay meanwhile).</summary>
    public static readonly TimeSpan HardThrottleWindow = TimeSpan.FromSeconds(5);
    private readonly Lock _lock = new();
    private readonly Queue<TaskCompletionSource> _waiters = new();
    private readonly RelayPaceController _controller;
    private readonly TimeProvider _time;
    private readonly WorkerMetrics _metrics;
    private readonly ILogger _logger;
    private int _inUse;
    private DateTimeOffset _nextStart;
    private LimitChange? _unloggedIncrease;
    private DateTimeOffset _increaseLoggedAt = DateTimeOffset.MinValue;
    private DateTimeOffset _refusedAtMinimum = DateTimeOffset.MinValue;

    public RelayGate(RelayLimits limits, TimeProvider time, WorkerMetrics metrics, ILogger logger)
    {
        _controller = new RelayPaceController(limits, time);
        _time = time;
        _metrics = metrics;
        _logger = logger;
    }

    public string Relay => _controller.Relay;

    public int ConnectionLimit
    {
        get
        {
            lock (_lock)
                return _controller.ConnectionLimit;
        }
    }

    public double? RateLimit
    {
        get
        {
            lock (_lock)
                return _controller.RateLimit;
        }
    }

    public string? LastReason
    {
        get
        {
            lock (_lock)
                return _controller.LastReason;
        }
    }

    /// <summary>
    /// Whether the relay refused us within <see cref="HardThrottleWindow"/> while its controller was already at the bottom
    /// of the limit it refused (the fewest connections, or the slowest rate): slowing down further is not possible, so
    /// messages whose route allows another relay go there meanwhile.
    /// </summary>
    public bool IsThrottlingHard
    {
        get
        {
            lock (_lock)
                return _time.GetUtcNow() - _refusedAtMinimum < HardThrottleWindow;
        }
    }

    /// <summary>The relay's limits, ceilings and last changes at one instant, for <c>GET /relays</c>.</summary>
    public RelayStatus Status(bool breakerOpen)
    {
        lock (_lock)
        {
            var limits = _controller.Limits;
            return new RelayStatus(Relay, _controller.ConnectionLimit, limits.MaxConnections, _controller.RateLimit, limits.MaxRatePerSecond,
                breakerOpen, _controller.LastChange, _controller.LastDecrease);
        }
    }

    /// <summary>
    /// Waits for a connection slot within the limit, then (when <paramref name="paced"/>) for the transaction's start
    /// under the rate. The caller must <see cref="Release"/> the slot.
    /// </summary>
    public async ValueTask<Permit> AcquireAsync(bool paced, CancellationToken cancellationToken)
    {
        TaskCompletionSource? waiter = null;
        lock (_lock)
        {
            if (_waiters.Count == 0 && _inUse < _controller.ConnectionLimit)
                _inUse++;
            else
                _waiters.Enqueue(waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }
        if (waiter is not null)
        {
            // Granted (slot counted) or cancelled, never both: whichever sets the task first wins.
            await using (cancellationToken.Register(() => waiter.TrySetCanceled(cancellationToken)))
                await waiter.Task;
        }
        if (!paced)
            return new Permit(_time.GetUtcNow(), waiter is not null, false);
        TimeSpan delay;
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            if (_controller.RateLimit is not { } rate)
                return new Permit(now, waiter is not null, false);
            var start = Latest(Latest(_nextStart, _controller.HoldUntil), now);
            _nextStart = start + TimeSpan.FromSeconds(1 / rate);
            delay = start - now;
        }
        if (delay <= TimeSpan.Zero)
            return new Permit(_time.GetUtcNow(), waiter is not null, false);
        try
        {
            await Task.Delay(delay, _time, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            Release();
            throw;
        }
        return new Permit(_time.GetUtcNow(), waiter is not null, true);
    }

    private static DateTimeOffset Latest(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    /// <summary>A slot now if one is free and nobody waits for it (housekeeping never goes before a sender); else false.</summary>
    public bool TryAcquire()
    {
        lock (_lock)
        {
            if (_waiters.Count > 0 || _inUse >= _controller.ConnectionLimit)
                return false;
            _inUse++;
            return true;
        }
    }

    public void Release()
    {
        lock (_lock)
        {
            _inUse--;
            GrantWaiters();
        }
    }

    /// <summary>How long a sender about to open a new connection waits first (after a refused one); zero when it may now.</summary>
    public TimeSpan ConnectWait()
    {
        lock (_lock)
        {
            var wait = _controller.ConnectHoldUntil - _time.GetUtcNow();
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }
    }

    /// <summary>The relay accepted a new connection.</summary>
    public void Connected()
    {
        lock (_lock)
            _controller.Connected();
    }

    /// <summary>Whether more connections are open than the limit allows: the one being returned is closed.</summary>
    public bool IsSurplus(int openConnections)
    {
        lock (_lock)
            return openConnections > _controller.ConnectionLimit;
    }

    public void Succeeded(Permit permit, TimeSpan latency)
    {
        LimitChange? change;
        lock (_lock)
        {
            change = _controller.Succeeded(permit.StartedAt, latency, permit.WaitedForConnection, permit.WaitedForRate);
            GrantWaiters();
        }
        Report(change);
    }

    public void Throttled(ThrottleSignal signal, int openConnections)
    {
        _metrics.Throttled(Relay, signal.Reply, signal.Stage);
        LimitChange? change;
        lock (_lock)
        {
            var atMinimum = signal.Kind == ThrottleKind.Connections
                ? _controller.ConnectionLimit <= _controller.Limits.MinConnections
                : _controller.RateLimit <= RelayPaceController.MinRate;
            if (atMinimum)
                _refusedAtMinimum = _time.GetUtcNow();
            change = _controller.Throttled(signal, openConnections);
        }
        Report(change);
    }

    private void GrantWaiters()
    {
        while (_inUse < _controller.ConnectionLimit && _waiters.TryDequeue(out var waiter))
        {
            if (waiter.TrySetResult())
                _inUse++;
        }
    }

    private void Report(LimitChange? change)
    {
        if (change is null)
            return;
        if (change.Decreased)
        {
            FlushIncrease(force: true);
            Log.RelayLimitLowered(_logger, change.Relay, change.Limits, change.Reason);
            return;
        }
        lock (_lock)
            _unloggedIncrease = _unloggedIncrease is { } earlier ? change with { FromConnections = earlier.FromConnections, FromRate = earlier.FromRate } : change;
        FlushIncrease(force: false);
    }

    private void FlushIncrease(bool force)
    {
        LimitChange? increase;
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            if (_unloggedIncrease is null || (!force && now - _increaseLoggedAt < IncreaseLogEvery))
                return;
            increase = _unloggedIncrease;
            _unloggedIncrease = null;
            _increaseLoggedAt = now;
        }
        if (increase.Limits.Length > 0)
            Log.RelayLimitRaised(_logger, increase.Relay, increase.Limits, increase.Reason);
    }
}
