namespace EmailWorker.Webhooks;

/// <summary>
/// Where the webhook outbox comes from: the dead-letter store's database, opened on first use. Implemented by
/// <c>DeadLetters.Store.WebhookStoreSource</c>, so the webhook part needs no dead-letter part.
/// </summary>
internal interface IWebhookStoreSource
{
    Task<IWebhookStore> GetAsync(CancellationToken cancellationToken);
}
