namespace EmailWorker.Scheduling;

/// <summary>
/// Where the scheduled messages are kept: the dead-letter store's database, opened on first use. Implemented by
/// <c>DeadLetters.Store.ScheduledStoreSource</c>, so the worker needs no dead-letter part.
/// </summary>
internal interface IScheduledStoreSource
{
    Task<IScheduledStore> GetAsync(CancellationToken cancellationToken);
}
