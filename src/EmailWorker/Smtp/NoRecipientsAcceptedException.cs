namespace EmailWorker.Smtp;

/// <summary>The relay refused every recipient at RCPT TO, so no DATA was sent; the refusals say why.</summary>
internal sealed class NoRecipientsAcceptedException(IReadOnlyList<RecipientRefusal> refusals)
    : Exception("The SMTP server accepted none of the recipients")
{
    public IReadOnlyList<RecipientRefusal> Refusals { get; } = refusals;
}
