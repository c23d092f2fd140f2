namespace EmailWorker.Contracts.Events;

/// <summary>
/// <see cref="Recipient"/> is on the suppression list (an earlier hard bounce, repeated soft failures, a complaint, or an operator's entry, for the
/// address or its whole domain): the message was not sent to it. <see cref="Reason"/> is the entry's reason
/// (<c>hard_bounce</c>, <c>soft_bounce</c>, <c>complaint</c>, <c>manual</c>), <see cref="SuppressedBy"/> its key (the address or <c>*@domain</c>)
/// and <see cref="Scope"/> its scope: <c>global</c>, or the message's <c>stream</c> when the entry holds for that stream only.
/// The message's other recipients are reported on their own.
/// </summary>
public sealed record EmailSuppressed : EmailStatusEvent
{
    public string Recipient { get; init; } = "";

    public string Reason { get; init; } = "";

    public string SuppressedBy { get; init; } = "";

    public string Scope { get; init; } = "";
}
