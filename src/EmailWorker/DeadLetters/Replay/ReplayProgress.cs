namespace EmailWorker.DeadLetters.Replay;

/// <summary>
/// What a replay run tells its front end while it runs: the CLI writes it to standard error, the dashboard (whose job page
/// reads the store) ignores it. The runner itself never writes to the console.
/// </summary>
internal abstract record ReplayProgress
{
    private ReplayProgress()
    {
    }

    /// <summary>A batch was confirmed and marked: the job's counts after it (reported at most once a second).</summary>
    public sealed record Advanced(long JobId, long Replayed, long Total, long Skipped) : ReplayProgress;

    /// <summary>The broker refused the <c>email.replayed</c> events: none more are sent in this run, the replay goes on.</summary>
    public sealed record EventsNotPublished(string Reason) : ReplayProgress;
}
