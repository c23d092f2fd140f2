namespace EmailWorker.Delivery;

/// <summary>
/// How many connections one relay may have open and how many transactions may start there per second, changed from what
/// the relay says — pure arithmetic on the observations it is given and the injected clock, no I/O.
/// <list type="bullet">
/// <item>Multiplicative decrease on a throttling signal, once per episode (the refusals of one burst arrive together):
/// connections down to what the relay holds for us (at least one fewer), the rate to
/// <see cref="RateDecrease"/> × what the relay accepted in the last second (or of the current limit, if lower).</item>
/// <item>Additive increase, at most once per <see cref="IncreaseEvery"/>, while deliveries succeed and a sender had to
/// wait for that limit (the backlog is waiting), not within <see cref="QuietAfterDecrease"/> of a decrease: one
/// connection more; the rate by <see cref="RateStep"/> of itself (at least 1/s) times the number of increases since the
/// last decrease — a ramp that starts gently near the level that was refused and speeds up the longer the relay takes
/// more (a relay whose limit was restored is found again in seconds), never a snap back.</item>
/// <item>Latency: while the attempts' smoothed latency is well above its recent floor (<see cref="LatencyTolerance"/> ×
/// and <see cref="LatencySlack"/> over), it does not increase (a Vegas/Gradient-style limiter: a queue is building at
/// the relay).</item>
/// </list>
/// Not thread-safe: its owner (<see cref="RelayGate"/>) serialises the calls.
/// </summary>
internal sealed class RelayPaceController
{
    public static readonly TimeSpan IncreaseEvery = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan QuietAfterDecrease = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan EpisodeLength = TimeSpan.FromSeconds(1);
    public const double RateDecrease = 0.85;
    public const double RateStep = 0.05;
    public const double MinRate = 1;
    public const double LatencyTolerance = 2;
    public static readonly TimeSpan LatencySlack = TimeSpan.FromMilliseconds(25);
    private static readonly TimeSpan AcceptedWindow = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan FloorBucket = TimeSpan.FromSeconds(10);
    private const double LatencySmoothing = 0.1;
    private const int MaxRemembered = 100_000;

    private readonly RelayLimits _limits;
    private readonly TimeProvider _time;
    private readonly Queue<DateTimeOffset> _accepted = new();
    private DateTimeOffset _lastIncrease;
    private DateTimeOffset _connectionsDecreasedAt = DateTimeOffset.MinValue;
    private DateTimeOffset _rateDecreasedAt = DateTimeOffset.MinValue;
    private bool _connectionsWanted;
    private bool _rateWanted;
    private int _rateIncreases;
    private double? _smoothedLatency;
    private TimeSpan _floorNow = TimeSpan.MaxValue;
    private TimeSpan _floorBefore = TimeSpan.MaxValue;
    private DateTimeOffset _floorBucketStarted;

    public RelayPaceController(RelayLimits limits, TimeProvider time)
    {
        _limits = limits;
        _time = time;
        ConnectionLimit = limits.MaxConnections;
        RateLimit = limits.MaxRatePerSecond;
        _lastIncrease = _floorBucketStarted = time.GetUtcNow();
    }

    public string Relay => _limits.Relay;

    /// <summary>Connections that may be open (and taken) at once.</summary>
    public int ConnectionLimit { get; private set; }

    /// <summary>Transactions that may start per second; null for no limit.</summary>
    public double? RateLimit { get; private set; }

    /// <summary>Why the limits are what they are, since the last change; null while they are the configured ones.</summary>
    public string? LastReason { get; private set; }

    /// <summary>
    /// A transaction that started at <paramref name="startedAt"/> was accepted after <paramref name="latency"/>; the
    /// sender had waited for a connection or for the rate. May raise a limit.
    /// </summary>
    public LimitChange? Succeeded(DateTimeOffset startedAt, TimeSpan latency, bool waitedForConnection, bool waitedForRate)
    {
        var now = _time.GetUtcNow();
        Remember(startedAt, now);
        ObserveLatency(latency, now);
        _connectionsWanted |= waitedForConnection;
        _rateWanted |= waitedForRate;
        if (!_limits.Adaptive || now - _lastIncrease < IncreaseEvery)
            return null;
        _lastIncrease = now;
        var connectionsWanted = _connectionsWanted;
        var rateWanted = _rateWanted;
        _connectionsWanted = _rateWanted = false;
        if (LatencyRising)
            return null;
        var connections = ConnectionLimit;
        var rate = RateLimit;
        if (connectionsWanted && connections < _limits.MaxConnections && now - _connectionsDecreasedAt >= QuietAfterDecrease)
            connections++;
        if (rateWanted && rate is { } current && current < (_limits.MaxRatePerSecond ?? double.MaxValue) && now - _rateDecreasedAt >= QuietAfterDecrease)
        {
            _rateIncreases++;
            rate = Math.Min(_limits.MaxRatePerSecond ?? double.MaxValue, Round(current + Math.Max(1, current * RateStep * _rateIncreases)));
        }
        return Change(connections, rate, "while deliveries succeed and work is waiting");
    }

    /// <summary>
    /// The relay throttled us; <paramref name="openConnections"/> are the connections it still holds for us. May lower a
    /// limit, once per episode of each kind.
    /// </summary>
    public LimitChange? Throttled(ThrottleSignal signal, int openConnections)
    {
        var now = _time.GetUtcNow();
        if (!_limits.Adaptive)
            return null;
        if (signal.Kind == ThrottleKind.Connections)
        {
            if (now - _connectionsDecreasedAt < EpisodeLength)
                return null;
            _connectionsDecreasedAt = now;
            var connections = Math.Max(_limits.MinConnections, Math.Min(ConnectionLimit - 1, openConnections));
            return Change(connections, RateLimit, $"after {signal}");
        }
        if (now - _rateDecreasedAt < EpisodeLength)
            return null;
        _rateDecreasedAt = now;
        _rateIncreases = 0;
        var accepted = AcceptedInLastSecond(now);
        var basis = Math.Min(RateLimit ?? double.MaxValue, Math.Max(accepted, MinRate));
        return Change(ConnectionLimit, Math.Max(MinRate, Round(basis * RateDecrease)), $"after {signal} ({accepted} accepted in the last second)");
    }

    /// <summary>Whether the smoothed attempt latency is well above its recent floor.</summary>
    public bool LatencyRising
    {
        get
        {
            var floor = Floor;
            if (_smoothedLatency is not { } smoothed || floor == TimeSpan.MaxValue)
                return false;
            var floorSeconds = floor.TotalSeconds;
            return smoothed > floorSeconds * LatencyTolerance && smoothed - floorSeconds > LatencySlack.TotalSeconds;
        }
    }

    private TimeSpan Floor => _floorNow < _floorBefore ? _floorNow : _floorBefore;

    private void ObserveLatency(TimeSpan latency, DateTimeOffset now)
    {
        if (latency < TimeSpan.Zero)
            return;
        var seconds = latency.TotalSeconds;
        _smoothedLatency = _smoothedLatency is { } smoothed ? smoothed + LatencySmoothing * (seconds - smoothed) : seconds;
        // The floor is the least latency of this bucket and the one before (10–20 s): it follows a relay that became
        // slower for good instead of holding a floor from long ago.
        if (now - _floorBucketStarted >= FloorBucket)
        {
            _floorBefore = _floorNow;
            _floorNow = TimeSpan.MaxValue;
            _floorBucketStarted = now;
        }
        if (latency < _floorNow)
            _floorNow = latency;
    }

    private void Remember(DateTimeOffset startedAt, DateTimeOffset now)
    {
        _accepted.Enqueue(startedAt);
        while (_accepted.Count > MaxRemembered || (_accepted.Count > 0 && now - _accepted.Peek() > AcceptedWindow))
            _accepted.Dequeue();
    }

    private int AcceptedInLastSecond(DateTimeOffset now)
    {
        while (_accepted.Count > 0 && now - _accepted.Peek() > AcceptedWindow)
            _accepted.Dequeue();
        return _accepted.Count;
    }

    private LimitChange? Change(int connections, double? rate, string reason)
    {
        if (connections == ConnectionLimit && rate == RateLimit)
            return null;
        var change = new LimitChange(_limits.Relay, ConnectionLimit, connections, RateLimit, rate, reason);
        ConnectionLimit = connections;
        RateLimit = rate;
        LastReason = $"{change.Limits} {reason}";
        return change;
    }

    private static double Round(double rate) => Math.Round(rate, 1, MidpointRounding.AwayFromZero);
}
