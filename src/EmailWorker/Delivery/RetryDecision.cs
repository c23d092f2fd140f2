using EmailWorker.Outcomes;

namespace EmailWorker.Delivery;

/// <summary>Where a transiently failed message goes next: a retry tier (by index), or the dead-letter queue with a class and why.</summary>
internal sealed record RetryDecision(int? TierIndex, DateTimeOffset? NextAttemptAt, OutcomeClass GiveUpClass, string? GiveUpReason)
{
    public bool Retries => TierIndex is not null;

    public static RetryDecision Retry(int tierIndex, DateTimeOffset nextAttemptAt) => new(tierIndex, nextAttemptAt, OutcomeClass.Transient, null);

    public static RetryDecision GiveUp(OutcomeClass outcomeClass, string reason) => new(null, null, outcomeClass, reason);
}
