namespace EmailWorker.Delivery.Ledger;

/// <summary>
/// One (message id, recipient) of the delivered ledger: its state, when it was claimed, when it last changed and (once
/// delivered) the relay's reply, bounded and escaped. The recipient is the address in lower case.
/// </summary>
internal sealed record LedgerEntry(string MessageId, string Recipient, LedgerState State, DateTimeOffset ClaimedAt, DateTimeOffset UpdatedAt, string? Reply);
