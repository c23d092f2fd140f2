namespace EmailWorker.DeadLetters.Store;

/// <summary>
/// One edit of a dead letter, as the store keeps it for the audit: the original letter and the copy that replaces it (a new
/// letter of the same message id, sent by replay job <see cref="JobId"/>), who edited it in which role and when, and both
/// bodies as they were. Kept apart from the retention, which deletes the letters themselves.
/// </summary>
internal sealed record LetterEdit(
    long Id,
    string OriginalLetterId,
    string EditedLetterId,
    string MessageId,
    DateTimeOffset At,
    string By,
    string Role,
    long JobId,
    byte[] OriginalBody,
    byte[] EditedBody);
