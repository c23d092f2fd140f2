using EmailWorker.Outcomes;
using EmailWorker.Smtp;

namespace EmailWorker.Delivery;

/// <summary>
/// The outcome of one attempt per recipient: the ones the relay took, the ones to retry and the ones refused for good.
/// Retrying only the transient ones means nobody receives the mail twice because another recipient failed.
/// </summary>
internal sealed record RecipientOutcomes(
    IReadOnlyList<string> Delivered,
    IReadOnlyList<(string Address, AttemptOutcome Outcome)> Transient,
    IReadOnlyList<(string Address, AttemptOutcome Outcome)> Permanent)
{
    /// <summary>The relay answered 250 after DATA; the recipients it refused at RCPT are classified one by one.</summary>
    public static RecipientOutcomes FromReport(IReadOnlyList<string> recipients, IReadOnlyList<RecipientRefusal> refusals,
        Func<int, string, AttemptOutcome> classifyReply)
    {
        var refused = refusals.ToDictionary(r => r.Address, r => classifyReply(r.StatusCode, r.Reply), StringComparer.OrdinalIgnoreCase);
        return Split(recipients, address => refused.GetValueOrDefault(address));
    }

    /// <summary>The whole message failed with one outcome: it applies to every recipient of this attempt.</summary>
    public static RecipientOutcomes Whole(IReadOnlyList<string> recipients, AttemptOutcome outcome) => Split(recipients, _ => outcome);

    private static RecipientOutcomes Split(IReadOnlyList<string> recipients, Func<string, AttemptOutcome?> outcomeOf)
    {
        var delivered = new List<string>();
        var transient = new List<(string, AttemptOutcome)>();
        var permanent = new List<(string, AttemptOutcome)>();
        foreach (var address in recipients)
        {
            var outcome = outcomeOf(address);
            if (outcome is null || outcome.Class == OutcomeClass.Delivered)
                delivered.Add(address);
            else if (outcome.Class == OutcomeClass.Permanent)
                permanent.Add((address, outcome));
            else
                transient.Add((address, outcome));
        }
        return new RecipientOutcomes(delivered, transient, permanent);
    }
}
