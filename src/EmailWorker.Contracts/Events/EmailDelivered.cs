namespace EmailWorker.Contracts.Events;

/// <summary>The relay answered 250: the mail is on its way to <see cref="Recipients"/>.</summary>
public sealed record EmailDelivered : EmailStatusEvent
{
    public IReadOnlyList<string> Recipients { get; init; } = [];
}
