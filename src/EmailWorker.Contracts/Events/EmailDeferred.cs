namespace EmailWorker.Contracts.Events;

/// <summary>A transient failure: the message waits in a retry tier until <see cref="NextAttemptAt"/>.</summary>
public sealed record EmailDeferred : EmailStatusEvent
{
    public DateTimeOffset NextAttemptAt { get; init; }

    /// <summary>The recipients the next attempt will be for.</summary>
    public IReadOnlyList<string> Recipients { get; init; } = [];
}
