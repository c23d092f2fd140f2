namespace EmailWorker.DeadLetters.Replay;

/// <summary>
/// How far a replay run is, after a batch was confirmed and marked (reported at most once a second): the CLI writes it to
/// standard error, the dashboard (whose job page reads the store) ignores it. The runner itself never writes to the console.
/// </summary>
internal sealed record ReplayProgress(long JobId, long Replayed, long Total, long Skipped);
