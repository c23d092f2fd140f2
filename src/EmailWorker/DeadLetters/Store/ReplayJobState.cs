namespace EmailWorker.DeadLetters.Store;

/// <summary>A replay job's life: created, running (or interrupted while running: resumable), and its end.</summary>
internal enum ReplayJobState
{
    Pending,
    Running,
    Completed,
    Failed,
    Cancelled,
}
