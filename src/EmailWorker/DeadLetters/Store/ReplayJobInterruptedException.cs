namespace EmailWorker.DeadLetters.Store;

/// <summary>
/// A replay job was interrupted (stopped, failed or killed) with a window published and not yet marked: <see cref="Unmarked"/>
/// letters that may be in the work queue already and are still dead. A new job would select and send them again without a
/// word; resuming that job (which counts them as possible duplicates) or abandoning it explicitly comes first.
/// </summary>
internal sealed class ReplayJobInterruptedException(long jobId, long unmarked)
    : Exception($"replay job {jobId} was interrupted with {unmarked} letter(s) published and not marked replayed")
{
    public long JobId { get; } = jobId;

    public long Unmarked { get; } = unmarked;
}
