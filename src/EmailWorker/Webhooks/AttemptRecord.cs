namespace EmailWorker.Webhooks;

/// <summary>One attempt's end as the store records it under the claim's lease (<see cref="IWebhookStore.RecordAttemptsAsync"/>).</summary>
internal sealed record AttemptRecord(long Id, OutboxState State, DateTimeOffset NextAttemptAt, int? Status, string? Error);
