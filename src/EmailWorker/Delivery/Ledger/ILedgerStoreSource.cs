namespace EmailWorker.Delivery.Ledger;

/// <summary>
/// Where the delivered ledger's store comes from: the dead-letter store's database, opened on first use (and tried again
/// after a failed open). Implemented by <c>DeadLetters.Store.LedgerStoreSource</c>, so the worker needs no dead-letter part.
/// </summary>
internal interface ILedgerStoreSource
{
    Task<ILedgerStore> GetAsync(CancellationToken cancellationToken);
}
