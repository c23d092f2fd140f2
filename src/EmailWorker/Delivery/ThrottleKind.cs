namespace EmailWorker.Delivery;

/// <summary>What a throttling reply says is too much: connections at once, or transactions per second.</summary>
internal enum ThrottleKind
{
    Connections,
    Rate,
}
