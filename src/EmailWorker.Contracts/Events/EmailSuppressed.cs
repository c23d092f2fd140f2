namespace EmailWorker.Contracts.Events;

/// <summary>
/// <see cref="Recipient"/> is on the suppression list (an earlier hard bounce, a complaint, or an operator's entry, for the
/// address or its whole domain): the message was not sent to it. <see cref="Reason"/> is the entry's reason
/// (<c>hard_bounce</c>, <c>complaint</c>, <c>manual</c>) and <see cref="SuppressedBy"/> its key (the address or <c>*@domain</c>).
/// The message's other recipients are reported on their own.
/// </summary>
public sealed record EmailSuppressed : EmailStatusEvent
{
    public string Recipient { get; init; } = "";

    public string Reason { get; init; } = "";

    public string SuppressedBy { get; init; } = "";
}
