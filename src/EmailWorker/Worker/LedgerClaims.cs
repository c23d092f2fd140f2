using EmailWorker.Routing;

namespace EmailWorker.Worker;

/// <summary>
/// One delivery's dealings with the delivered ledger over all its sends (a throttled send is made again): the recipients
/// claimed, those the relay took (recorded with its reply) and those it certainly does not have (their claims released),
/// written in one go by <see cref="SettleAsync"/> before the source is acked. Only a claim made is ever released.
/// </summary>
internal sealed class LedgerClaims(DeliveryLedger ledger, string messageId)
{
    private readonly HashSet<string> _claimed = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _delivered = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _released = new(StringComparer.OrdinalIgnoreCase);
    private string _reply = "";

    public bool Enabled => ledger.Enabled;

    /// <summary>Claims the recipients of one send (durably, before its MAIL FROM).</summary>
    public async Task ClaimAsync(IReadOnlyList<string> recipients)
    {
        await ledger.ClaimAsync(messageId, recipients);
        _claimed.UnionWith(recipients);
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

    public Task SettleAsync() => ledger.SettleAsync(messageId, [.. _delivered], _reply,
        [.. _released.Where(r => _claimed.Contains(r) && !_delivered.Contains(r))]);
}
