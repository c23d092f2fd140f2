using EmailWorker.Outcomes;
using EmailWorker.Routing;

namespace EmailWorker.Worker;

/// <summary>
/// What an attempt leaves in the delivered ledger: the recipients the relay took (recorded <c>delivered</c> with its
/// reply), those it certainly does not have (refused, or never sent the content: their claims are released) and those
/// it may have (<see cref="Kept"/>: the connection was lost after the content was on its way), whose claims stay — they
/// are in doubt if the message comes again.
/// </summary>
internal sealed record LedgerSettlement(IReadOnlyList<string> Delivered, string Reply, IReadOnlyList<string> Released, IReadOnlyList<string> Kept)
{
    public static LedgerSettlement Of(IReadOnlyList<RecipientOutcome> outcomes, string finalReply) => new(
        [.. outcomes.Where(o => o.Outcome.Class == OutcomeClass.Delivered).Select(o => o.Address)],
        finalReply,
        [.. outcomes.Where(o => o.Outcome.Class != OutcomeClass.Delivered && !o.Outcome.MaybeDelivered).Select(o => o.Address)],
        [.. outcomes.Where(o => o.Outcome.Class != OutcomeClass.Delivered && o.Outcome.MaybeDelivered).Select(o => o.Address)]);
}
