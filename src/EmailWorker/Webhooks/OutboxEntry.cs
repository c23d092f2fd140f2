namespace EmailWorker.Webhooks;

/// <summary>
/// A webhook to send: one status event for one endpoint. <see cref="WebhookId"/> is the event's (the same for every
/// endpoint and every attempt: the receiver's idempotency key); the payload is the exact bytes every attempt sends.
/// </summary>
internal sealed record OutboxEntry(string WebhookId, string Endpoint, string EventType, string MessageId, string Payload, DateTimeOffset CreatedAt);
