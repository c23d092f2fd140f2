namespace EmailWorker.Delivery;

/// <summary>
/// One relay's bounds for its controller: <paramref name="MinConnections"/> to <paramref name="MaxConnections"/> (the
/// configured pool size, the ceiling), starting at <paramref name="InitialConnections"/> (kept within them), and an
/// optional fixed ceiling of transactions per second (a published quota). <paramref name="Adaptive"/> false keeps the
/// ceilings fixed: the worker sends as configured, whatever the relay says.
/// </summary>
internal sealed record RelayLimits(string Relay, bool Adaptive, int MinConnections, int InitialConnections, int MaxConnections, double? MaxRatePerSecond)
{
    /// <summary>The connections the controller starts with: the ceiling when it does not adapt.</summary>
    public int StartConnections => Adaptive ? Math.Clamp(InitialConnections, MinConnections, MaxConnections) : MaxConnections;
}
