namespace EmailWorker.Delivery.Relays;

/// <summary>A relay a route allows, with its share of a weighted choice (<c>Smtp:Relays:N:Weight</c>).</summary>
internal sealed record WeightedRelay(string Name, int Weight);
