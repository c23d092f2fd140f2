namespace EmailWorker.Delivery.Suppression;

/// <summary>
/// What one look-up of a message's recipients found: the list's <paramref name="Entries"/> for its keys, and the addresses
/// (lower case) that have a count of soft failures running (<paramref name="SoftFailing"/>), so that a delivery to one of
/// them clears its count without a write for every other delivery.
/// </summary>
internal sealed record SuppressionLookup(IReadOnlyList<SuppressionEntry> Entries, IReadOnlyList<string> SoftFailing)
{
    public static readonly SuppressionLookup Empty = new([], []);
}
