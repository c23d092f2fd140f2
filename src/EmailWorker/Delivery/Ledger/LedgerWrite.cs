namespace EmailWorker.Delivery.Ledger;

/// <summary>
/// What one handler writes to the delivered ledger for one message, in one go: recipients to claim as <c>sending</c>
/// (the rows found for them already are returned), recipients to record as <c>delivered</c> with the relay's reply, and
/// claims to release (the recipient was refused or not tried: the relay does not have the mail for it). Recipients are
/// addresses in lower case.
/// </summary>
internal sealed record LedgerWrite(string MessageId, IReadOnlyList<string> Claim, IReadOnlyList<string> Delivered, string? Reply, IReadOnlyList<string> Release)
{
    public static LedgerWrite Claiming(string messageId, IReadOnlyList<string> recipients) => new(messageId, recipients, [], null, []);
}
