namespace EmailWorker.Delivery;

/// <summary>
/// One relay as <c>GET /relays</c> reports it: its limits now and their ceilings (a null rate: no limit), whether the
/// breaker holds consumption paused, and its last limit change and last decrease with their reasons.
/// </summary>
internal sealed record RelayStatus(
    string Name,
    int ConnectionLimit,
    int MaxConnections,
    double? RateLimit,
    double? MaxRatePerSecond,
    bool BreakerOpen,
    RelayLimitNote? LastChange,
    RelayLimitNote? LastDecrease);
