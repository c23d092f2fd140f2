using EmailWorker.Routing;

namespace EmailWorker.Worker;

/// <summary>
/// One delivery's dealings with the delivered ledger over all its sends (a throttled send is made again): the recipients
/// claimed, those the relay took (recorded with its reply) and those it certainly does not have (their claims released),
/// written in one go by <see cref="Settle"/> before the source is acked. Only a claim made is ever released.
/// </summary>
internal sealed class LedgerClaims(DeliveryLedger ledger, string messageId, LedgerFindings? findings)
{
    private readonly HashSet<string> _claimed = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _delivered = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _released = new(StringComparer.OrdinalIgnoreCase);
    private string _reply = "";

    public bool Enabled => ledger.Enabled;

    /// <summary>
    /// Claims the recipients of one send (durably, before its MAIL FROM). False when the ledger held a row for one of
    /// them that neither the look-up (in doubt, sent again) nor an earlier send of this delivery accounts for: another
    /// copy of the message was or is being sent, so this one must not be — its new claims are released.
    /// </summary>
    public async Task<bool> ClaimAsync(IReadOnlyList<string> recipients)
    {
        var found = await ledger.ClaimAsync(messageId, recipients);
        var unexpected = recipients.Count(r => found.Contains(DeliveryLedger.Key(r)) && !_claimed.Contains(r)
            && findings?.InDoubt.Contains(r, StringComparer.OrdinalIgnoreCase) != true);
        if (unexpected == 0)
        {
            _claimed.UnionWith(recipients);
            return true;
        }
        // Only the rows this claim made are released: the others are another copy's, or in doubt from before.
        var made = recipients.Where(r => !found.Contains(DeliveryLedger.Key(r))).ToList();
        _claimed.UnionWith(made);
        Untried(made);
        ledger.ClaimedElsewhere(messageId, unexpected);
        return false;
    }

    /// <summary>One send's outcomes: the delivered are recorded, the refused and throttled released, the maybe-delivered kept.</summary>
    public void Settled(IReadOnlyList<RecipientOutcome> outcomes, string reply)
    {
        var settlement = LedgerSettlement.Of(outcomes, reply);
        if (settlement.Delivered.Count > 0)
            _reply = reply;
        _delivered.UnionWith(settlement.Delivered);
        _released.UnionWith(settlement.Released);
    }

    /// <summary>A send that never got to the content: its claims are released.</summary>
    public void Untried(IReadOnlyList<string> recipients) => _released.UnionWith(recipients);

    /// <summary>Hands the record to the ledger; it is durable before the source's ack (<see cref="DeliveryLedger.RecordedAsync"/>).</summary>
    public void Settle() => ledger.Settle(messageId, [.. _delivered], _reply,
        [.. _released.Where(r => _claimed.Contains(r) && !_delivered.Contains(r))]);
}
