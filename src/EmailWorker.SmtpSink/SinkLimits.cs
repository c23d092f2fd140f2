namespace EmailWorker.SmtpSink;

/// <summary>
/// The relay's limits, as a throttling smarthost enforces them, changeable while the server runs (a limit dropped mid-run
/// and restored): at most <see cref="MaxTransactionsPerSecond"/> transactions started (MAIL FROM accepted) in each second of
/// the clock, relay-wide, the ones beyond refused with <see cref="ThrottleReply"/>; at most <see cref="MaxConnections"/>
/// connections at once, the one beyond refused with <see cref="ConnectionReply"/> at the greeting or at EHLO and closed
/// (Postfix-style). A connection already open when the limit drops is refused at its next MAIL FROM and closed, as a
/// relay shedding load does. Counts every refusal it sent, the most connections it held at once and the most
/// transactions started in one second.
/// </summary>
public sealed class SinkLimits
{
    private readonly Lock _window = new();
    private long _windowSecond = -1;
    private int _startedInWindow;
    private int _admitted;
    private long _rateRefusals;
    private long _connectionRefusals;
    private int _peakConnections;
    private int _peakPerSecond;

    /// <summary>0: no rate limit.</summary>
    public int MaxTransactionsPerSecond { get; set; }

    /// <summary>0: no connection limit.</summary>
    public int MaxConnections { get; set; }

    public SmtpReply ThrottleReply { get; set; } = ThrottleReplies.Ses;

    public SmtpReply ConnectionReply { get; set; } = ThrottleReplies.TooManyConnections;

    public ConnectionRefusalStage RefuseConnectionsAt { get; set; } = ConnectionRefusalStage.Greeting;

    public long RateRefusals => Interlocked.Read(ref _rateRefusals);

    public long ConnectionRefusals => Interlocked.Read(ref _connectionRefusals);

    /// <summary>Connections admitted and still open.</summary>
    public int OpenConnections => Volatile.Read(ref _admitted);

    /// <summary>The most connections admitted at once since the start or the last <see cref="ResetPeak"/>.</summary>
    public int PeakConnections => Volatile.Read(ref _peakConnections);

    /// <summary>The most transactions started (accepted) in one second of the clock since the start or the last <see cref="ResetPeak"/>.</summary>
    public int PeakTransactionsPerSecond
    {
        get
        {
            lock (_window)
                return _peakPerSecond;
        }
    }

    /// <summary>Starts both peaks afresh, e.g. once a dropped limit is restored.</summary>
    public void ResetPeak()
    {
        Volatile.Write(ref _peakConnections, OpenConnections);
        lock (_window)
            _peakPerSecond = 0;
    }

    /// <summary>Takes a new connection in, or false when it is one too many (counted as a refusal).</summary>
    internal bool TryAdmit()
    {
        var admitted = Interlocked.Increment(ref _admitted);
        var limit = MaxConnections;
        if (limit > 0 && admitted > limit)
        {
            Interlocked.Decrement(ref _admitted);
            Interlocked.Increment(ref _connectionRefusals);
            return false;
        }
        int peak;
        while (admitted > (peak = Volatile.Read(ref _peakConnections)) && Interlocked.CompareExchange(ref _peakConnections, admitted, peak) != peak)
        {
            // Another connection raised the peak meanwhile: compare again.
        }
        return true;
    }

    /// <summary>An admitted connection ended.</summary>
    internal void Leave() => Interlocked.Decrement(ref _admitted);

    /// <summary>
    /// An admitted connection asks to start a transaction while the limit may have dropped: true when it must go (it has
    /// left the count and is counted as refused).
    /// </summary>
    internal bool MustShed()
    {
        int admitted;
        while (MaxConnections is > 0 and var limit && (admitted = Volatile.Read(ref _admitted)) > limit)
        {
            if (Interlocked.CompareExchange(ref _admitted, admitted - 1, admitted) == admitted)
            {
                Interlocked.Increment(ref _connectionRefusals);
                return true;
            }
        }
        return false;
    }

    /// <summary>Starts a transaction in this second of the clock, or false when the second's quota is used (counted as a refusal).</summary>
    internal bool TryStartTransaction(DateTimeOffset now)
    {
        var limit = MaxTransactionsPerSecond;
        var second = now.ToUnixTimeSeconds();
        lock (_window)
        {
            if (second != _windowSecond)
            {
                _windowSecond = second;
                _startedInWindow = 0;
            }
            if (limit <= 0 || _startedInWindow < limit)
            {
                _startedInWindow++;
                _peakPerSecond = Math.Max(_peakPerSecond, _startedInWindow);
                return true;
            }
        }
        Interlocked.Increment(ref _rateRefusals);
        return false;
    }
}
