namespace EmailWorker.Configuration;

/// <summary>
/// One relay as the worker uses it, resolved from <c>Smtp:Relays</c> (with the single-relay keys as defaults) or from the
/// single-relay keys alone (one relay named <see cref="DefaultName"/>). <see cref="Connection"/> holds its endpoint,
/// security, credentials, pool size and timeouts under the single-relay names the pool reads.
/// </summary>
internal sealed record RelaySettings(string Name, int Weight, SmtpOptions Connection, bool Adaptive, int MinConnections, int InitialConnections,
    double? MaxRatePerSecond)
{
    public const string DefaultName = "default";

    /// <summary>Every configured relay, in configuration order.</summary>
    public static IReadOnlyList<RelaySettings> All(SmtpOptions smtp)
    {
        if (smtp.Relays.Count == 0)
            return [new RelaySettings(DefaultName, 1, smtp, smtp.Adaptive.Enabled, smtp.Adaptive.MinConnections,
                smtp.Adaptive.InitialConnections, smtp.Adaptive.RateCeiling)];
        return [.. smtp.Relays.Select(relay => From(relay, smtp))];
    }

    private static RelaySettings From(RelayOptions relay, SmtpOptions defaults)
    {
        var connection = new SmtpOptions
        {
            Host = relay.Host,
            Port = relay.Port ?? defaults.Port,
            Security = relay.Security ?? defaults.Security,
            Username = relay.Username,
            Password = relay.Password,
            TrustedCaFile = relay.TrustedCaFile,
            AllowPlaintextAuth = relay.AllowPlaintextAuth ?? defaults.AllowPlaintextAuth,
            PoolSize = relay.PoolSize ?? defaults.PoolSize,
            Timeout = defaults.Timeout,
            IdleTimeout = defaults.IdleTimeout,
            AttemptDeadline = defaults.AttemptDeadline,
        };
        var rate = relay.MaxRatePerSecond ?? defaults.Adaptive.MaxRatePerSecond;
        return new RelaySettings(relay.Name, relay.Weight, connection, relay.Adaptive ?? defaults.Adaptive.Enabled,
            relay.MinConnections ?? defaults.Adaptive.MinConnections, defaults.Adaptive.InitialConnections, rate > 0 ? rate : null);
    }
}
