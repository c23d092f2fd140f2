namespace EmailWorker.Configuration;

/// <summary>
/// Section <c>Smtp:Adaptive</c>: whether the worker follows the relay's pushback (docs/adaptive-delivery.md) and its
/// bounds. <c>Smtp:PoolSize</c> stays the ceiling of connections; off, the worker sends as before at the configured size.
/// </summary>
internal sealed class AdaptiveOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>The fewest connections the controller goes down to.</summary>
    public int MinConnections { get; set; } = 1;

    /// <summary>
    /// The connections a relay starts with (kept between MinConnections and its PoolSize): a start that doubles while
    /// doubling pays, then grows by one, finds a remote relay's best in seconds without opening the ceiling's worth of
    /// connections to a relay that allows a few.
    /// </summary>
    public int InitialConnections { get; set; } = 4;

    /// <summary>A fixed ceiling of transactions started per second (a relay's published quota, e.g. SES's); 0 for none.</summary>
    public double MaxRatePerSecond { get; set; }

    /// <summary>How long a throttled message waits in memory for the relay's capacity before it goes back to the work queue.</summary>
    public string MaxThrottleWait { get; set; } = "5m";

    /// <summary>How many throttled sends one delivery makes in memory before it goes back to the work queue.</summary>
    public int MaxThrottledAttempts { get; set; } = 50;

    public TimeSpan MaxThrottleWaitValue => Duration.TryParse(MaxThrottleWait, out var value) ? value : TimeSpan.FromMinutes(5);

    /// <summary>The rate ceiling, or null for none.</summary>
    public double? RateCeiling => MaxRatePerSecond > 0 ? MaxRatePerSecond : null;
}
