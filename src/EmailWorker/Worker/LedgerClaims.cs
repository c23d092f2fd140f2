using EmailWorker.Delivery.Ledger;
using EmailWorker.Routing;

namespace EmailWorker.Worker;

/// <summary>
/// One delivery's dealings with the delivered ledger over all its sends (a throttled send is made again): the recipients
/// claimed, those the relay took (recorded with its reply) and those it certainly does not have (their claims released),
/// written in one go by <see cref="Settle"/> before the source is acked. Only a row this delivery's claims made is ever
/// released: a row in doubt from an earlier attempt stays so until a 250 is recorded for it.
/// </summary>
/// <param name="ledger">The ledger the claims and the record go to.</param>
/// <param name="messageId">The message's id, as the ledger keys it.</param>
/// <param name="findings">What the look-up before the attempt found; null when there was none or it failed.</param>
/// <param name="lookedUp">Whether the ledger was asked before the attempt (<see cref="DeliveryLedger.MayHaveRows"/>).</param>
internal sealed class LedgerClaims(DeliveryLedger ledger, string messageId, LedgerFindings? findings, bool lookedUp)
{
    private readonly HashSet<string> _claimed = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _delivered = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _released = new(StringComparer.OrdinalIgnoreCase);
    private string _reply = "";

    public bool Enabled => ledger.Enabled;

    /// <summary>
    /// Claims the recipients of one send (durably, before its MAIL FROM). False when the ledger held a row for one of
    /// them that this delivery does not account for — neither its own earlier claim nor a row the look-up found in doubt
    /// (and still is: a <c>delivered</c> row never is) — so another copy of the message was or is being sent: this one
    /// must not be, and the rows its claim made are released. When the look-up failed there is nothing to compare with,
    /// and the send goes on as without the ledger.
    /// </summary>
    public async Task<bool> ClaimAsync(IReadOnlyList<string> recipients)
    {
        var found = await ledger.ClaimAsync(messageId, recipients);
        var made = recipients.Where(r => !found.ContainsKey(DeliveryLedger.Key(r))).ToList();
        var unexpected = recipients.Count(r => found.TryGetValue(DeliveryLedger.Key(r), out var state) && !AccountedFor(r, state));
        _claimed.UnionWith(made);
        if (unexpected == 0 || (lookedUp && findings is null))
            return true;
        Untried(made);
        ledger.ClaimedElsewhere(messageId, unexpected);
        return false;
    }

    private bool AccountedFor(string recipient, LedgerState state) => state == LedgerState.Sending
        && (_claimed.Contains(recipient) || findings?.InDoubt.Contains(recipient, StringComparer.OrdinalIgnoreCase) == true);

    /// <summary>One send's outcomes: the delivered are recorded, the refused and throttled released, the maybe-delivered kept.</summary>
    public void Settled(IReadOnlyList<RecipientOutcome> outcomes, string reply)
    {
        var settlement = LedgerSettlement.Of(outcomes, reply);
        if (settlement.Delivered.Count > 0)
            _reply = reply;
        _delivered.UnionWith(settlement.Delivered);
        _released.UnionWith(settlement.Released);
        // Throttled by an earlier send, maybe delivered by this one: the claim stays.
        _released.ExceptWith(settlement.Kept);
    }

    /// <summary>A send that never got to the content: its claims are released.</summary>
    public void Untried(IReadOnlyList<string> recipients) => _released.UnionWith(recipients);

    /// <summary>A send stopped after its content was on its way: the relay may have the mail, so the claims stay.</summary>
    public void MaybeDelivered(IReadOnlyList<string> recipients) => _released.ExceptWith(recipients);

    /// <summary>Hands the record to the ledger; it is durable before the source's ack (<see cref="DeliveryLedger.RecordedAsync"/>).</summary>
    public void Settle() => ledger.Settle(messageId, [.. _delivered], _reply,
        [.. _released.Where(r => _claimed.Contains(r) && !_delivered.Contains(r))]);
}
