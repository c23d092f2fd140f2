namespace EmailWorker.DeadLetters.Store;

/// <summary>One page of a list; <see cref="Next"/> is the cursor for the following page, null after the last.</summary>
internal sealed record LetterPage(IReadOnlyList<LetterSummary> Letters, long? Next);
