namespace EmailWorker.DeadLetters.Store;

/// <summary>A letter of a replay job's selection with its position in it (1-based).</summary>
internal sealed record JobLetter(long Position, StoredLetter Letter);
