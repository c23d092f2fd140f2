namespace EmailWorker.Delivery.Suppression;

/// <summary>Keys added to the list (entries or soft-failure counts) since a generation, and the last generation among them.</summary>
internal sealed record SuppressionKeyChanges(IReadOnlyList<string> Keys, long Generation);
