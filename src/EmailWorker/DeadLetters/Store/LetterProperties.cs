namespace EmailWorker.DeadLetters.Store;

/// <summary>
/// The AMQP properties of a dead letter besides its headers, each as the letter arrived in the dead-letter queue (null: not
/// set): what a consumer reads the body by (a MassTransit envelope is <c>application/vnd.masstransit+json</c>, not a bare
/// command), what a replay publishes again (the first seven), and what <c>dlq show --raw</c> and <c>dlq export</c> show of
/// the letter as it came (all of them). Kept as JSON beside the headers; null for letters stored before they were kept, and
/// the last six null for letters stored before those were kept.
/// </summary>
internal sealed record LetterProperties(
    string? ContentType,
    string? ContentEncoding,
    string? MessageId,
    string? CorrelationId,
    string? Type,
    string? AppId,
    long? Timestamp,
    byte? DeliveryMode = null,
    byte? Priority = null,
    string? ReplyTo = null,
    string? Expiration = null,
    string? UserId = null,
    string? ClusterId = null);
