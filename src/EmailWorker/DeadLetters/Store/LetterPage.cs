namespace EmailWorker.DeadLetters.Store;

/// <summary>
/// One page of a list, of summaries or of letters in full (those at most a byte budget of bodies); <see cref="Next"/> is
/// the cursor for the following page, null after the last.
/// </summary>
internal sealed record LetterPage(IReadOnlyList<DeadLetter> Letters, long? Next);
