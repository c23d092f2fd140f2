namespace EmailWorker.Delivery;

/// <summary>
/// One relay's bounds for its controller: <paramref name="MinConnections"/> to <paramref name="MaxConnections"/> (the
/// configured pool size, the ceiling), and an optional fixed ceiling of transactions per second (a published quota).
/// <paramref name="Adaptive"/> false keeps the ceilings fixed: the worker sends as configured, whatever the relay says.
/// </summary>
internal sealed record RelayLimits(string Relay, bool Adaptive, int MinConnections, int MaxConnections, double? MaxRatePerSecond);
