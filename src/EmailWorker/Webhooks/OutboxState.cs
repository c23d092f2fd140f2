namespace EmailWorker.Webhooks;

/// <summary>A row of the webhook outbox, as stored in its <c>state</c> column.</summary>
internal enum OutboxState
{
    Pending = 0,
    Delivered = 1,
    Failed = 2,
}
