namespace EmailWorker.Webhooks;

/// <summary>A webhook in the outbox with where it stands: what the commands and the dashboard show, and what the dispatcher sends.</summary>
internal sealed record OutboxRow(
    long Id,
    string WebhookId,
    string Endpoint,
    string EventType,
    string MessageId,
    string Payload,
    OutboxState State,
    int Attempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset NextAttemptAt,
    int? LastStatus,
    string? LastError,
    DateTimeOffset UpdatedAt);
