namespace EmailWorker.Delivery;

/// <summary>
/// How many connections one relay may have open and how many transactions may start there per second, changed from what
/// the relay says — pure arithmetic on the observations it is given and the injected clock, no I/O.
/// <list type="bullet">
/// <item>A start that doubles (TCP's slow start, judged by throughput): from the initial connections, while senders wait
/// for a connection, the connections double — as long as the last doubling paid, i.e. raised the deliveries per second by
/// <see cref="DoublingPays"/> ×, measured over a step of <see cref="SlowStartStep"/> (or four attempt latencies, if
/// longer) after a step in which the new connections open. The
/// first doubling that did not pay goes back to where it did, and the first throttling reply ends the start too; from then
/// on the additive increase below. A relay far away is filled in seconds; one that is CPU-bound here or queues at its end
/// shows no gain and keeps the count that paid.</item>
/// <item>Multiplicative decrease on a throttling signal, once per episode (the refusals of one burst arrive together):
/// connections down to what the relay holds for us (at least one fewer), the rate to
/// <see cref="RateDecrease"/> × what the relay accepted in the last second (or of the current limit, if lower).</item>
/// <item>Additive increase, at most once per <see cref="IncreaseEvery"/>, while deliveries succeed and a sender had to
/// wait for that limit (the backlog is waiting), not within <see cref="QuietAfterDecrease"/> of a decrease: one
/// connection more; the rate as <see cref="NextRate"/> says — never a snap back.</item>
/// <item>Learning the relay's level: the rate a relay refused at (what it accepted in the last second) is remembered; the
/// ramp closes half the gap to just under it (<see cref="PlateauShare"/>) each step, holds there for
/// <see cref="PlateauHold"/>, and only then probes above it, gently at first — so the next refusal comes from a small
/// overshoot near the end of the relay's window rather than a large one. The connection count the relay refused is
/// probed again only after a wait that doubles with each refusal at the same count (<see cref="FirstConnectionProbe"/>
/// up to <see cref="MaxConnectionProbe"/>).</item>
/// <item>Holding starts after a rate refusal: the relay's window is spent, and every start before it ends collects one
/// more refusal. No transaction starts before <see cref="HoldUntil"/>: <see cref="FirstHold"/> after a refusal, doubling
/// (up to <see cref="MaxHold"/>) while a start after the hold is refused again, back to the first once one is
/// accepted.</item>
/// <item>Latency: while the attempts' smoothed latency is well above its recent floor (<see cref="LatencyTolerance"/> ×
/// and <see cref="LatencySlack"/> over), it does not increase (a Vegas/Gradient-style limiter: a queue is building at
/// the relay).</item>
/// </list>
/// Not thread-safe: its owner (<see cref="RelayGate"/>) serialises the calls.
/// </summary>
internal sealed class RelayPaceController
{
    public static readonly TimeSpan IncreaseEvery = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan SlowStartStep = TimeSpan.FromMilliseconds(150);
    public const double DoublingPays = 1.1;
    private const int SlowStartLatencies = 4;
    public static readonly TimeSpan QuietAfterDecrease = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan EpisodeLength = TimeSpan.FromSeconds(1);
    public const double RateDecrease = 0.85;
    public const double RateStep = 0.05;
    public const double MinRate = 1;
    public const double PlateauShare = 0.97;
    public static readonly TimeSpan PlateauHold = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan FirstHold = TimeSpan.FromMilliseconds(50);
    public static readonly TimeSpan MaxHold = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan FirstConnectHold = TimeSpan.FromMilliseconds(200);
    public static readonly TimeSpan MaxConnectHold = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan FirstConnectionProbe = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan MaxConnectionProbe = TimeSpan.FromMinutes(1);
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
    private double? _refusedRate;
    private DateTimeOffset? _plateauSince;
    private TimeSpan _hold = FirstHold;
    private TimeSpan _connectHold = FirstConnectHold;
    private int? _refusedConnections;
    private TimeSpan _connectionProbe = FirstConnectionProbe;
    private double? _smoothedLatency;
    private TimeSpan _floorNow = TimeSpan.MaxValue;
    private TimeSpan _floorBefore = TimeSpan.MaxValue;
    private DateTimeOffset _floorBucketStarted;
    private bool _slowStart;
    private int _acceptedInStep;
    private double? _rateBeforeDoubling;
    private int _connectionsBeforeDoubling;
    private bool _settling;

    public RelayPaceController(RelayLimits limits, TimeProvider time)
    {
        _limits = limits;
        _time = time;
        ConnectionLimit = limits.StartConnections;
        _slowStart = limits.Adaptive && ConnectionLimit < limits.MaxConnections;
        RateLimit = limits.MaxRatePerSecond;
        _lastIncrease = _floorBucketStarted = time.GetUtcNow();
    }

    public string Relay => _limits.Relay;

    /// <summary>Connections that may be open (and taken) at once.</summary>
    public int ConnectionLimit { get; private set; }

    /// <summary>Transactions that may start per second; null for no limit.</summary>
    public double? RateLimit { get; private set; }

    /// <summary>No transaction may start before this (after a rate refusal: the relay's window is spent).</summary>
    public DateTimeOffset HoldUntil { get; private set; } = DateTimeOffset.MinValue;

    /// <summary>
    /// No new connection may be opened before this: after a refused connection the relay holds what it allows us, and
    /// however many senders wait for a slot, one attempt per hold reaches it (<see cref="FirstConnectHold"/>, doubling
    /// while refusals continue up to <see cref="MaxConnectHold"/>, back to the first once a connection is accepted).
    /// </summary>
    public DateTimeOffset ConnectHoldUntil { get; private set; } = DateTimeOffset.MinValue;

    /// <summary>The relay accepted a new connection: the next refusal holds openings for the shortest time again.</summary>
    public void Connected() => _connectHold = FirstConnectHold;

    /// <summary>Why the limits are what they are, since the last change; null while they are the configured ones.</summary>
    public string? LastReason => LastChange?.Text;

    /// <summary>The last change of a limit, when and why (as logged); null while they are the configured ones.</summary>
    public RelayLimitNote? LastChange { get; private set; }

    /// <summary>The last decrease, which a ramp back up since does not hide: the throttling episode an operator looks for.</summary>
    public RelayLimitNote? LastDecrease { get; private set; }

    /// <summary>The bounds this controller keeps to.</summary>
    public RelayLimits Limits => _limits;

    /// <summary>
    /// A transaction that started at <paramref name="startedAt"/> was accepted after <paramref name="latency"/>; the
    /// sender had waited for a connection or for the rate. May raise a limit.
    /// </summary>
    public LimitChange? Succeeded(DateTimeOffset startedAt, TimeSpan latency, bool waitedForConnection, bool waitedForRate)
    {
        var now = _time.GetUtcNow();
        Remember(startedAt, now);
        ObserveLatency(latency, now);
        // A start after the hold was accepted: the relay's window has turned.
        if (startedAt >= HoldUntil)
            _hold = FirstHold;
        _connectionsWanted |= waitedForConnection;
        _rateWanted |= waitedForRate;
        _acceptedInStep++;
        if (_slowStart)
            return SlowStart(now);
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
        var sinceConnectionRefusal = now - _connectionsDecreasedAt;
        if (connectionsWanted && connections < _limits.MaxConnections && sinceConnectionRefusal >= QuietAfterDecrease
            && (connections + 1 < _refusedConnections || sinceConnectionRefusal >= _connectionProbe))
            connections++;
        if (rateWanted && rate is { } current && current < (_limits.MaxRatePerSecond ?? double.MaxValue) && now - _rateDecreasedAt >= QuietAfterDecrease)
            rate = Math.Min(_limits.MaxRatePerSecond ?? double.MaxValue, Round(NextRate(current, now)));
        return Change(connections, rate, "while deliveries succeed and work is waiting");
    }

    /// <summary>
    /// One step of the start: double the connections while senders wait and the last doubling paid; go back to the count
    /// that paid when it did not. Latency is not consulted here: throughput is the judge (more connections to a relay far
    /// away raise both latency, from our own CPU, and deliveries).
    /// </summary>
    private LimitChange? SlowStart(DateTimeOffset now)
    {
        var latencies = TimeSpan.FromSeconds((_smoothedLatency ?? 0) * SlowStartLatencies);
        var step = latencies > SlowStartStep ? latencies : SlowStartStep;
        var elapsed = now - _lastIncrease;
        if (elapsed < step)
            return null;
        var rate = _acceptedInStep / elapsed.TotalSeconds;
        var wanted = _connectionsWanted;
        _lastIncrease = now;
        _acceptedInStep = 0;
        _connectionsWanted = _rateWanted = false;
        if (_settling)
        {
            // The step right after a doubling opened the new connections (connect, greeting, EHLO): judged by the next one.
            _settling = false;
            return null;
        }
        if (_rateBeforeDoubling is { } before && rate < before * DoublingPays)
        {
            _slowStart = false;
            return Change(_connectionsBeforeDoubling, RateLimit,
                $"as doubling the connections did not pay ({before:0.#} → {rate:0.#} deliveries/s): the start ends");
        }
        if (!wanted)
        {
            // Nobody waited: the work fits the connections; nothing to judge the next doubling against.
            _rateBeforeDoubling = null;
            return null;
        }
        _rateBeforeDoubling = rate;
        _connectionsBeforeDoubling = ConnectionLimit;
        _settling = true;
        var doubled = Math.Min(_limits.MaxConnections, ConnectionLimit * 2);
        if (doubled == _limits.MaxConnections)
            _slowStart = false;
        return Change(doubled, RateLimit, "while deliveries succeed and work is waiting (start: doubling)");
    }

    /// <summary>
    /// The rate after one more increase: half the gap to just under the level the relay last refused at; there, a pause
    /// of <see cref="PlateauHold"/>; above it a ramp of <see cref="RateStep"/> of itself, doubling with each increase above
    /// it (5 %, 10 %, 20 %, 40 %, 80 %): gentle where the relay refused, fast once it takes more (a restored limit).
    /// </summary>
    private double NextRate(double current, DateTimeOffset now)
    {
        if (_refusedRate is { } level)
        {
            var plateau = level * PlateauShare;
            if (current < plateau - 0.05)
                return Math.Min(plateau, current + Math.Max(1, (plateau - current) / 2));
            _plateauSince ??= now;
            if (now - _plateauSince < PlateauHold)
                return current;
        }
        _rateIncreases++;
        return current + Math.Max(1, current * RateStep * (1 << Math.Min(_rateIncreases - 1, 4)));
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
        _slowStart = false;
        if (signal.Kind == ThrottleKind.Connections)
        {
            // Every refusal holds openings, also within an episode (the limit is lowered once per episode, and a sender
            // held at the minimum with none open would otherwise try again as fast as senders take its one slot).
            if (now >= ConnectHoldUntil)
            {
                ConnectHoldUntil = now + _connectHold;
                _connectHold = Min(_connectHold * 2, MaxConnectHold);
            }
            if (now - _connectionsDecreasedAt < EpisodeLength)
                return null;
            _connectionsDecreasedAt = now;
            // Refused at the same count again: wait twice as long before the next probe of it.
            var refusedAt = openConnections + 1;
            _connectionProbe = refusedAt == _refusedConnections ? Min(_connectionProbe * 2, MaxConnectionProbe) : FirstConnectionProbe;
            _refusedConnections = refusedAt;
            var connections = Math.Max(_limits.MinConnections, Math.Min(ConnectionLimit - 1, openConnections));
            return Change(connections, RateLimit, $"after {signal}");
        }
        // Refused during the hold: a transaction started before it (no start is granted meanwhile), nothing new.
        if (now < HoldUntil)
            return null;
        HoldUntil = now + _hold;
        _hold = Min(_hold * 2, MaxHold);
        if (now - _rateDecreasedAt < EpisodeLength)
            return null;
        _rateDecreasedAt = now;
        _rateIncreases = 0;
        _plateauSince = null;
        var accepted = AcceptedInLastSecond(now);
        var basis = Math.Min(RateLimit ?? double.MaxValue, Math.Max(accepted, MinRate));
        _refusedRate = basis;
        return Change(ConnectionLimit, Math.Max(MinRate, Round(basis * RateDecrease)), $"after {signal} ({accepted} accepted in the last second)");
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

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
        LastChange = new RelayLimitNote(_time.GetUtcNow(), $"{change.Limits} {reason}");
        if (change.Decreased)
            LastDecrease = LastChange;
        return change;
    }

    private static double Round(double rate) => Math.Round(rate, 1, MidpointRounding.AwayFromZero);
}
