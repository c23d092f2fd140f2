namespace EmailWorker.Contracts.Events;

/// <summary>An operator replayed the message's dead letter: it is back in the work queue, its attempts counted afresh.</summary>
public sealed record EmailReplayed : EmailStatusEvent
{
    /// <summary>Who replayed it (the operator named with <c>--by</c>, else the OS user).</summary>
    public string ReplayedBy { get; init; } = "";

    /// <summary>The replay job that moved it (<c>dlq jobs</c>).</summary>
    public long JobId { get; init; }
}
