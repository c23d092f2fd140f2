using EmailWorker.Delivery.Suppression;
using EmailWorker.Outcomes;
using EmailWorker.Routing;

namespace EmailWorker.Worker;

/// <summary>
/// Which outcomes of an attempt are soft failures of a recipient's own mailbox, counted toward a <c>soft_bounce</c> entry
/// (docs/suppression.md): a transient refusal whose enhanced code is one of <c>Suppression:SoftFailures:Codes</c>, given
/// at RCPT, or to DATA when the transaction had that recipient alone (a DATA reply answers for every recipient of it).
/// Never throttling, greylisting, a protocol error, a lost connection or the relay's own trouble: those say nothing of the
/// mailbox. A message counts once, by its first attempt: its retries of the same full mailbox are not more evidence.
/// </summary>
internal static class SoftFailureRule
{
    /// <summary>The addresses (lower case, each once) that failed soft in the attempt made after <paramref name="attemptsBefore"/> earlier ones.</summary>
    public static IReadOnlyList<string> FailedSoft(IReadOnlyList<RecipientOutcome> outcomes, int attemptsBefore, IReadOnlyCollection<string> codes)
    {
        // Every delivered message passes here: nothing is allocated unless a recipient failed transiently.
        if (attemptsBefore > 0 || codes.Count == 0 || !outcomes.Any(o => o.Outcome.Class == OutcomeClass.Transient))
            return [];
        var dataReplies = outcomes.Count(o => o.Outcome.Stage == SmtpStage.Data);
        return
        [
            .. outcomes.Where(o => IsSoft(o.Outcome, codes) && (o.Outcome.Stage == SmtpStage.RcptTo || (o.Outcome.Stage == SmtpStage.Data && dataReplies == 1)))
                .Select(o => SuppressionKey.Of(o.Address)).Distinct(StringComparer.Ordinal),
        ];
    }

    private static bool IsSoft(AttemptOutcome outcome, IReadOnlyCollection<string> codes) =>
        outcome is { Class: OutcomeClass.Transient, Greylisted: false, RelayFaultIfRepeated: false, MaybeDelivered: false, RelayUnreached: false, EnhancedCode: { } code }
        && codes.Contains(code);
}
