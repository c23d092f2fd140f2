namespace EmailWorker.Delivery.Relays;

/// <summary>How usable a relay is for the next message, best first: a route prefers a usable one and never picks one that is down.</summary>
internal enum RelayHealth
{
    Usable,

    /// <summary>Refused us at the bottom of its limits lately (<see cref="RelayGate.IsThrottlingHard"/>): taken only when no usable one is allowed.</summary>
    ThrottlingHard,

    /// <summary>Its breaker is open.</summary>
    Down,
}
