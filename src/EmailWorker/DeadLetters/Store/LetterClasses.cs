using EmailWorker.Outcomes;

namespace EmailWorker.DeadLetters.Store;

/// <summary>Every class a stored letter can have: a failure class of ours, or the broker's and foreign letters'.</summary>
internal static class LetterClasses
{
    /// <summary>Dead-lettered by the broker at the work queue's delivery limit.</summary>
    public const string Poison = "poison";

    /// <summary>Without our failure record: a foreign letter, or one that could not be read.</summary>
    public const string Unknown = "unknown";

    public static readonly IReadOnlyList<string> All = [.. Enum.GetValues<OutcomeClass>()
        .Where(c => c is not (OutcomeClass.Delivered or OutcomeClass.Throttled)).Select(c => c.Name()).Append(Poison).Append(Unknown)];
}
