namespace EmailWorker.Contracts.Events;

/// <summary>The relay answered 250: the mail is on its way to <see cref="Recipients"/>.</summary>
public sealed record EmailDelivered : EmailStatusEvent
{
    public IReadOnlyList<string> Recipients { get; init; } = [];

    /// <summary>
    /// True when the delivered ledger holds a 250 for these recipients from an earlier delivery of the same message: they
    /// were skipped this time (not sent again). Left out otherwise.
    /// </summary>
    public bool? DeliveredBefore { get; init; }
}
