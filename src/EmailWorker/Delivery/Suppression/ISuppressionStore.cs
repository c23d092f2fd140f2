namespace EmailWorker.Delivery.Suppression;

/// <summary>
/// The suppression list, kept in the dead-letter store's database: addresses (lower case) and whole domains
/// (<c>*@domain</c>) not to send to, per scope. See <c>Worker/SuppressionList</c> for how the worker uses it.
/// </summary>
internal interface ISuppressionStore
{
    /// <summary>Which database it is (no credentials), for logs.</summary>
    string Description { get; }

    /// <summary>
    /// The entries that match any of <paramref name="keys"/> (addresses and <c>*@domain</c> keys, lower case) in any of
    /// <paramref name="scopes"/>: one indexed query for all of a message's recipients.
    /// </summary>
    Task<IReadOnlyList<SuppressionEntry>> FindSuppressionsAsync(IReadOnlyCollection<string> keys, IReadOnlyCollection<string> scopes,
        CancellationToken cancellationToken);

    /// <summary>Adds the entries whose (key, scope) is not listed yet, in one transaction; returns how many were new. Existing entries are kept as they are.</summary>
    Task<int> AddSuppressionsAsync(IReadOnlyCollection<SuppressionEntry> entries, CancellationToken cancellationToken);

    /// <summary>Removes the entry of (key, scope); false when there was none.</summary>
    Task<bool> RemoveSuppressionAsync(string key, string scope, CancellationToken cancellationToken);

    /// <summary>
    /// Entries in (key, scope) order after <paramref name="afterKey"/>/<paramref name="afterScope"/> (null: from the first),
    /// at most <paramref name="limit"/>; with a <paramref name="prefix"/> (lower case), only the keys that start with it.
    /// </summary>
    Task<IReadOnlyList<SuppressionEntry>> ListSuppressionsAsync(string? prefix, string? afterKey, string? afterScope, int limit, CancellationToken cancellationToken);
}
