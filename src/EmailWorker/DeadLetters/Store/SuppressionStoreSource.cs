using EmailWorker.Delivery.Suppression;

namespace EmailWorker.DeadLetters.Store;

/// <summary>The suppression list lives in the dead-letter store's database: the same store, opened once per process.</summary>
internal sealed class SuppressionStoreSource(DeadLetterStoreProvider stores) : ISuppressionStoreSource
{
    public async Task<ISuppressionStore> GetAsync(CancellationToken cancellationToken) =>
        await stores.GetAsync(cancellationToken) as ISuppressionStore
        ?? throw new InvalidOperationException("the dead-letter store keeps no suppression list");
}
