namespace EmailWorker.Delivery.Ledger;

/// <summary>
/// The delivered ledger, kept in the dead-letter store's database: per (message id, recipient), <c>sending</c> or
/// <c>delivered</c>. See <c>Worker/DeliveryLedger</c> for how the worker uses it.
/// </summary>
internal interface ILedgerStore
{
    /// <summary>Which database it is (no credentials), for logs.</summary>
    string Description { get; }

    /// <summary>
    /// Applies <paramref name="writes"/> in one durable transaction (one commit for many handlers) and returns, per write
    /// and in its order, the rows that already existed for the recipients it claimed. A claimed recipient whose row is
    /// neither new nor readable (another worker holds it uncommitted) is returned as <c>sending</c>.
    /// </summary>
    Task<IReadOnlyList<IReadOnlyList<LedgerEntry>>> WriteLedgerAsync(IReadOnlyList<LedgerWrite> writes, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// The rows of each message in <paramref name="messageIds"/>, in its order, on the connection the writes use (what a
    /// worker checks before an attempt; many handlers' look-ups in one statement).
    /// </summary>
    Task<IReadOnlyList<IReadOnlyList<LedgerEntry>>> LookUpLedgerAsync(IReadOnlyList<string> messageIds, CancellationToken cancellationToken);

    /// <summary>The ledger's rows for one message (for <c>dlq show</c>).</summary>
    Task<IReadOnlyList<LedgerEntry>> ReadLedgerAsync(string messageId, CancellationToken cancellationToken);

    /// <summary>Removes rows last changed before <paramref name="olderThan"/>; returns how many.</summary>
    Task<int> DeleteLedgerAsync(DateTimeOffset olderThan, CancellationToken cancellationToken);
}
