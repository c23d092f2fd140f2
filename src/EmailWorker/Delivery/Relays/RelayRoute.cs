namespace EmailWorker.Delivery.Relays;

/// <summary>
/// The relays one message may go to: in order of preference (<paramref name="Ordered"/>: a route's list, or the one
/// relay its <c>relay</c> field names), or as a weighted choice (every relay, when no route matched).
/// <paramref name="Reason"/> says which rule chose them, for the log.
/// </summary>
internal sealed record RelayRoute(IReadOnlyList<WeightedRelay> Relays, bool Ordered, string Reason);
