namespace EmailWorker.DeadLetters.Store;

/// <summary>
/// A replay job's letters read in one go, at most a byte budget of bodies: <see cref="Until"/> is the position the read
/// got to (all of the job's positions up to it are in <see cref="Letters"/>, but for letters deleted meanwhile), where the
/// cursor moves once they are replayed. It is short of the position asked for when the budget ran out first.
/// </summary>
internal sealed record JobLetterBatch(IReadOnlyList<JobLetter> Letters, long Until);
