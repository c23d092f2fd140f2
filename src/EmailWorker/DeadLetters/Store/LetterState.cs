namespace EmailWorker.DeadLetters.Store;

/// <summary>Where a stored letter stands: still dead, or history (replayed or purged, kept until the retention removes it).</summary>
internal enum LetterState
{
    Dead,
    Replayed,
    Purged,
}
