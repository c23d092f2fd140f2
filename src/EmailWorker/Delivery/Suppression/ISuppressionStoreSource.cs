namespace EmailWorker.Delivery.Suppression;

/// <summary>
/// Where the suppression list's store comes from: the dead-letter store's database, opened on first use. Implemented by
/// <c>DeadLetters.Store.SuppressionStoreSource</c>, so the worker needs no dead-letter part.
/// </summary>
internal interface ISuppressionStoreSource
{
    Task<ISuppressionStore> GetAsync(CancellationToken cancellationToken);
}
