using EmailWorker.Outcomes;
using EmailWorker.Routing;

namespace EmailWorker.Worker;

/// <summary>
/// What an attempt leaves in the delivered ledger: the recipients the relay took (recorded <c>delivered</c> with its
/// reply) and those it certainly does not have (refused, or never sent the content: their claims are released). A
/// recipient in neither stays claimed — the connection was lost after the content was on its way — and is in doubt if
/// the message comes again.
/// </summary>
internal sealed record LedgerSettlement(IReadOnlyList<string> Delivered, string Reply, IReadOnlyList<string> Released)
{
    public static LedgerSettlement Of(IReadOnlyList<RecipientOutcome> outcomes, string finalReply) => new(
        [.. outcomes.Where(o => o.Outcome.Class == OutcomeClass.Delivered).Select(o => o.Address)],
        finalReply,
        [.. outcomes.Where(o => o.Outcome.Class != OutcomeClass.Delivered && !o.Outcome.MaybeDelivered).Select(o => o.Address)]);
}
