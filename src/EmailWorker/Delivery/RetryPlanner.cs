using EmailWorker.Configuration;
using EmailWorker.Outcomes;
using EmailWorker.Topology;
using Microsoft.Extensions.Options;

namespace EmailWorker.Delivery;

/// <summary>
/// Picks the next retry tier after a transient failure: the tier after the last one used; for greylisting, the first tier
/// at least <c>Retry:GreylistMinimum</c> long (or the longest); none when the schedule is used up or the retry would land
/// after <c>expiresAt</c>.
/// </summary>
internal sealed class RetryPlanner(TopologyNames names, IOptions<RetryOptions> options)
{
    public RetryDecision Plan(int? lastTier, bool greylisted, DateTimeOffset? expiresAt, DateTimeOffset now)
    {
        var tiers = names.Tiers;
        var next = (lastTier ?? -1) + 1;
        if (next >= tiers.Count)
            return RetryDecision.GiveUp(OutcomeClass.Transient, $"gave up after the last retry tier ({tiers.Count} retries)");
        if (greylisted)
            next = FirstTierAtLeast(tiers, next, options.Value.GreylistMinimumValue);

        var nextAttemptAt = now + tiers[next].Delay;
        if (expiresAt is { } deadline && nextAttemptAt > deadline)
            return RetryDecision.GiveUp(OutcomeClass.Expired, $"the next retry ({nextAttemptAt:O}) would come after expiresAt ({deadline:O})");
        return RetryDecision.Retry(next, nextAttemptAt);
    }

    private static int FirstTierAtLeast(IReadOnlyList<RetryTier> tiers, int from, TimeSpan minimum)
    {
        for (var i = from; i < tiers.Count; i++)
        {
            if (tiers[i].Delay >= minimum)
                return i;
        }
        return tiers.Count - 1;
    }
}
