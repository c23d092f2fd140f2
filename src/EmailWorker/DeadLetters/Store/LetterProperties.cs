namespace EmailWorker.DeadLetters.Store;

/// <summary>
/// The AMQP properties of a dead letter besides its headers, as the producer set them: what a consumer reads the body by
/// (a MassTransit envelope is <c>application/vnd.masstransit+json</c>, not a bare command) and what a replay must publish
/// again. Kept as JSON beside the headers; null for letters stored before they were kept.
/// </summary>
internal sealed record LetterProperties(
    string? ContentType,
    string? ContentEncoding,
    string? MessageId,
    string? CorrelationId,
    string? Type,
    string? AppId,
    long? Timestamp);
