namespace EmailWorker.DeadLetters.Store;

/// <summary>
/// Where a stored letter stands: still dead, or history (replayed, purged, or edited — replaced by an edited copy that is
/// sent in its place — kept until the retention removes it).
/// </summary>
internal enum LetterState
{
    Dead,
    Replayed,
    Purged,
    Edited,
}
