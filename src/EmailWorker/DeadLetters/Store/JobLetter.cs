namespace EmailWorker.DeadLetters.Store;

/// <summary>A letter of a replay job's selection, in full, with its position in it (1-based): the job's cursor counts positions.</summary>
internal sealed record JobLetter(long Position, DeadLetter Letter);
