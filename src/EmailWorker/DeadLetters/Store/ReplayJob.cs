namespace EmailWorker.DeadLetters.Store;

/// <summary>
/// A replay of a selection fixed when the job was created (<see cref="Total"/> letters, in store order). <see cref="Cursor"/>
/// is the position of the last letter dealt with; a resumed job goes on after it. <see cref="Skipped"/> counts letters that
/// were no longer dead (replayed or purged meanwhile) when the job reached them. <see cref="InFlightUntil"/> is the last
/// position of the window published and not yet marked (at most <see cref="Cursor"/> once the window is marked): after a
/// kill, the letters after the cursor up to it may have reached the work queue already.
/// </summary>
internal sealed record ReplayJob(
    long Id,
    string Selection,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    long Total,
    long Cursor,
    long Replayed,
    long Skipped,
    ReplayJobState State,
    DateTimeOffset UpdatedAt,
    long InFlightUntil);
