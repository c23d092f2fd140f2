namespace EmailWorker.DeadLetters.Store;

/// <summary>
/// A stored letter: its summary — the failure, its recipients and group, when it was stored and whether it was replayed,
/// purged or edited since — and its <see cref="Content"/>, loaded only by the reads that need it (a replay, <c>dlq show</c>, a tag
/// filter): lists and counts read summaries alone. <see cref="Sequence"/> is the store's order of arrival and the
/// keyset-paging cursor.
/// </summary>
internal sealed record DeadLetter(
    long Sequence,
    string LetterId,
    string MessageId,
    LetterFailure Failure,
    IReadOnlyList<string> Recipients,
    string Group,
    DateTimeOffset StoredAt,
    LetterMark? Replayed,
    LetterMark? Purged,
    LetterContent? Content = null,
    LetterMark? Edited = null)
{
    public LetterState State => Purged is not null ? LetterState.Purged : Edited is not null ? LetterState.Edited
        : Replayed is not null ? LetterState.Replayed : LetterState.Dead;

    /// <summary>The content of a letter read in full; asking it of a summary is a bug in the caller, not a missing letter.</summary>
    public LetterContent LoadedContent => Content ?? throw new InvalidOperationException($"letter {LetterId} was read without its content");
}
