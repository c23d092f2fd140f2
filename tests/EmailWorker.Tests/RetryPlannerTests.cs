using EmailWorker.Configuration;
using EmailWorker.Delivery;
using EmailWorker.Outcomes;
using EmailWorker.Topology;
using Microsoft.Extensions.Options;

namespace EmailWorker.Tests;

[TestFixture]
public sealed class RetryPlannerTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    private static RetryPlanner Planner(string schedule = "30s,2m,10m,30m", string greylistMinimum = "5m")
    {
        var retry = new RetryOptions { Schedule = schedule, GreylistMinimum = greylistMinimum };
        return new RetryPlanner(TopologyNames.From(new TopologyOptions(), retry), Options.Create(retry));
    }

    [TestCase(null, 0)]
    [TestCase(0, 1)]
    [TestCase(2, 3)]
    public void Should_take_the_tier_after_the_last_one_used(int? lastTier, int expected)
    {
        var decision = Planner().Plan(lastTier, greylisted: false, expiresAt: null, Now);

        Assert.That(decision.TierIndex, Is.EqualTo(expected));
    }

    [Test]
    public void Should_give_up_after_the_last_tier()
    {
        var decision = Planner().Plan(3, greylisted: false, expiresAt: null, Now);

        Assert.That((decision.Retries, decision.GiveUpClass), Is.EqualTo((false, OutcomeClass.Transient)));
        Assert.That(decision.GiveUpReason, Does.Contain("4 retries"));
    }

    [Test]
    public void Should_skip_to_the_first_tier_long_enough_for_greylisting() =>
        Assert.That(Planner().Plan(null, greylisted: true, expiresAt: null, Now).TierIndex, Is.EqualTo(2));

    [Test]
    public void Should_cap_the_greylisting_skip_at_the_longest_tier() =>
        Assert.That(Planner("1s,2s", greylistMinimum: "1h").Plan(null, greylisted: true, expiresAt: null, Now).TierIndex, Is.EqualTo(1));

    [Test]
    public void Should_expire_when_the_retry_would_land_after_expires_at()
    {
        var decision = Planner().Plan(null, greylisted: false, expiresAt: Now.AddSeconds(10), Now);

        Assert.That((decision.Retries, decision.GiveUpClass), Is.EqualTo((false, OutcomeClass.Expired)));
    }

    [Test]
    public void Should_say_when_the_next_attempt_is() =>
        Assert.That(Planner().Plan(0, greylisted: false, expiresAt: null, Now).NextAttemptAt, Is.EqualTo(Now.AddMinutes(2)));
}
