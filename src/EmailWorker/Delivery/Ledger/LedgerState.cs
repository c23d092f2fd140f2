namespace EmailWorker.Delivery.Ledger;

/// <summary>A recipient's row in the delivered ledger (stored as its number).</summary>
internal enum LedgerState
{
    /// <summary>Claimed before the message content was sent; no 250 recorded yet.</summary>
    Sending = 0,

    /// <summary>The relay answered 250 for the message with this recipient.</summary>
    Delivered = 1,
}
