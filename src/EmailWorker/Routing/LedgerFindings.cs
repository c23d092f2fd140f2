namespace EmailWorker.Routing;

/// <summary>
/// What the delivered ledger said about a message's recipients before its attempt, as the planner's input: who had the
/// mail already (a 250 is recorded), who is in doubt (claimed by an attempt that never recorded its end) and whether the
/// in-doubt ones are counted as delivered (<c>Delivery:InDoubt = AssumeDelivered</c>) or sent again. <see cref="Remaining"/>
/// are the recipients the attempt is for. Addresses as the message spells them.
/// </summary>
internal sealed record LedgerFindings(IReadOnlyList<string> DeliveredBefore, IReadOnlyList<string> InDoubt, bool InDoubtAssumedDelivered,
    IReadOnlyList<string> Remaining)
{
    /// <summary>Whether the ledger took any recipient out of the attempt.</summary>
    public bool Skips => DeliveredBefore.Count > 0 || (InDoubtAssumedDelivered && InDoubt.Count > 0);
}
