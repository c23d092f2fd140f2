namespace EmailWorker.DeadLetters.Store;

/// <summary>
/// A stored letter without its body, headers and history: what lists and streams return. <see cref="Sequence"/> is the
/// store's order of arrival and the keyset-paging cursor.
/// </summary>
internal sealed record LetterSummary(
    long Sequence,
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
    string Group,
    DateTimeOffset StoredAt,
    LetterMark? Replayed,
    LetterMark? Purged)
{
    public LetterState State => Purged is not null ? LetterState.Purged : Replayed is not null ? LetterState.Replayed : LetterState.Dead;
}
