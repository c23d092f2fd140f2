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
    /// <paramref name="scopes"/>, and with <paramref name="withSoftFailures"/> the keys with a soft-failure count: one
    /// indexed query for all of a message's recipients.
    /// </summary>
    Task<SuppressionLookup> FindSuppressionsAsync(IReadOnlyCollection<string> keys, IReadOnlyCollection<string> scopes, bool withSoftFailures,
        CancellationToken cancellationToken);

    /// <summary>
    /// Counts a soft failure of <paramref name="messageId"/> for each address (lower case), in one transaction: a run whose
    /// window has passed starts again at 1; an address whose count reaches the threshold gets a global <c>soft_bounce</c>
    /// entry (the message as its source, by <paramref name="actor"/>) and its count is deleted. Returns the addresses
    /// that got a new entry.
    /// </summary>
    Task<IReadOnlyList<string>> CountSoftFailuresAsync(IReadOnlyCollection<string> addresses, string messageId, SoftFailureCount count, string actor,
        CancellationToken cancellationToken);

    /// <summary>
    /// Passes each key of the entries and soft-failure counts added in a generation after <paramref name="generation"/>
    /// (-1: every one) to <paramref name="key"/> as it is read, and returns the last generation read (at least
    /// <paramref name="generation"/>): what a filter in memory needs to stay a superset of the list.
    /// </summary>
    Task<long> ReadKeysSinceAsync(long generation, Action<string> key, CancellationToken cancellationToken);

    /// <summary>How many entries and soft-failure counts there are: what a filter in memory is sized for.</summary>
    Task<long> CountKeysAsync(CancellationToken cancellationToken);

    /// <summary>Deletes the soft-failure counts of the addresses (lower case): each was delivered to.</summary>
    Task ClearSoftFailuresAsync(IReadOnlyCollection<string> addresses, CancellationToken cancellationToken);

    /// <summary>Deletes the counts whose run started before <paramref name="windowStart"/>; returns how many.</summary>
    Task<int> DeleteSoftFailuresAsync(DateTimeOffset windowStart, CancellationToken cancellationToken);

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
