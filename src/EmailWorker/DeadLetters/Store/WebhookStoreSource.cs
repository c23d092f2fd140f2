using EmailWorker.Webhooks;

namespace EmailWorker.DeadLetters.Store;

/// <summary>The webhook outbox lives in the dead-letter store's database: the same store, opened once per process.</summary>
internal sealed class WebhookStoreSource(DeadLetterStoreProvider stores) : IWebhookStoreSource
{
    public async Task<IWebhookStore> GetAsync(CancellationToken cancellationToken) =>
        await stores.GetAsync(cancellationToken) as IWebhookStore
        ?? throw new InvalidOperationException("the dead-letter store keeps no webhook outbox");
}
