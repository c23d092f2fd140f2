using EmailWorker.Delivery.Ledger;

namespace EmailWorker.DeadLetters.Store;

/// <summary>The delivered ledger lives in the dead-letter store's database: the same store, opened once per process.</summary>
internal sealed class LedgerStoreSource(DeadLetterStoreProvider stores) : ILedgerStoreSource
{
    public async Task<ILedgerStore> GetAsync(CancellationToken cancellationToken) =>
        await stores.GetAsync(cancellationToken) as ILedgerStore
        ?? throw new InvalidOperationException("the dead-letter store keeps no delivered ledger");
}
