namespace EmailWorker.DeadLetters.Store;

/// <summary>
/// A dead letter as the ingester read it off the queue, before the store numbered it: its failure read from its headers,
/// its content (body and every header) and its group with the label that names it. <see cref="LetterId"/> is the
/// idempotency key (see <c>DeadLetters/Ingest/DeadLetterMapper</c>). Stored, it is a <see cref="DeadLetter"/>.
/// </summary>
internal sealed record IngestedLetter(
    string LetterId,
    string MessageId,
    LetterFailure Failure,
    IReadOnlyList<string> Recipients,
    LetterGroupKey Group,
    LetterContent Content);
