namespace EmailWorker.Contracts.Events;

/// <summary>
/// The delivered ledger held <see cref="Recipients"/> as claimed by an earlier attempt that never recorded the relay's
/// reply (the worker stopped between sending the content and recording the 250): the relay may already have the mail.
/// <see cref="Resolution"/> says what the worker did: <c>resent</c> (at most one extra copy) or <c>assumed-delivered</c>.
/// </summary>
public sealed record EmailInDoubt : EmailStatusEvent
{
    public IReadOnlyList<string> Recipients { get; init; } = [];

    public string Resolution { get; init; } = "";
}
