namespace EmailWorker.Configuration;

/// <summary>
/// One entry of <c>Smtp:Relays</c>: a named relay with its endpoint, credentials, TLS and limits. A value left out takes
/// the single-relay key of the same name (<c>Smtp:Port</c>, <c>Smtp:Security</c>, <c>Smtp:PoolSize</c>,
/// <c>Smtp:Adaptive:*</c>), so those act as the defaults of every relay. The password is never logged or printed.
/// </summary>
internal sealed class RelayOptions
{
    /// <summary>What routes, the message field <c>relay</c>, logs, metrics and <c>GET /relays</c> call it.</summary>
    public string Name { get; set; } = "";

    public string Host { get; set; } = "";

    public int? Port { get; set; }

    public string? Security { get; set; }

    public string? Username { get; set; }

    public string? Password { get; set; }

    public string? TrustedCaFile { get; set; }

    public bool? AllowPlaintextAuth { get; set; }

    /// <summary>Connections at most (the ceiling the controller works under).</summary>
    public int? PoolSize { get; set; }

    public int? MinConnections { get; set; }

    /// <summary>A fixed ceiling of transactions started per second; 0 for none.</summary>
    public double? MaxRatePerSecond { get; set; }

    /// <summary>Whether this relay's limits follow its pushback (<c>Smtp:Adaptive:Enabled</c> when left out).</summary>
    public bool? Adaptive { get; set; }

    /// <summary>Its share of the messages no route or <c>relay</c> field places (0: only when a route names it, or to fail over to).</summary>
    public int Weight { get; set; } = 1;
}
