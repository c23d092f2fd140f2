namespace EmailWorker.DeadLetters.Store;

/// <summary>
/// One dead letter as the ingester stores it: the failure record read from its headers, the letter itself (body and every
/// header) and its group. <see cref="LetterId"/> is the idempotency key (see <c>DeadLetters/Ingest/DeadLetterMapper</c>).
/// <see cref="Properties"/> are the letter's other AMQP properties, which a replay publishes again.
/// </summary>
internal sealed record DeadLetterRecord(
    string LetterId,
    string MessageId,
    string Class,
    string Reason,
    int? SmtpCode,
    string? EnhancedCode,
    int Attempts,
    DateTimeOffset FirstFailureAt,
    DateTimeOffset LastFailureAt,
    IReadOnlyList<string> Recipients,
    string HistoryJson,
    string HeadersJson,
    byte[] Body,
    LetterGroupKey Group,
    LetterProperties? Properties = null);
