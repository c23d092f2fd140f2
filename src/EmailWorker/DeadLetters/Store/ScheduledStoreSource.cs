using EmailWorker.Scheduling;

namespace EmailWorker.DeadLetters.Store;

/// <summary>The scheduled messages live in the dead-letter store's database: the same store, opened once per process.</summary>
internal sealed class ScheduledStoreSource(DeadLetterStoreProvider stores) : IScheduledStoreSource
{
    public async Task<IScheduledStore> GetAsync(CancellationToken cancellationToken) =>
        await stores.GetAsync(cancellationToken) as IScheduledStore
        ?? throw new InvalidOperationException("the dead-letter store keeps no scheduled messages");
}
