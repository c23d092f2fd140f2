namespace EmailWorker.DeadLetters.Store;

/// <summary>One page of full letters, at most a byte budget of bodies; <see cref="Next"/> is the cursor for the following page, null after the last.</summary>
internal sealed record FullLetterPage(IReadOnlyList<StoredLetter> Letters, long? Next);
