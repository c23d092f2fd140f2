namespace EmailWorker.DeadLetters.Store;

/// <summary>Another replay job is in progress: a second one now could publish the same letters before either marks them.</summary>
internal sealed class ReplayJobBusyException(long jobId, DateTimeOffset lastProgressAt)
    : Exception($"replay job {jobId} is in progress (last progress {lastProgressAt:O})")
{
    public long JobId { get; } = jobId;

    public DateTimeOffset LastProgressAt { get; } = lastProgressAt;
}
