using EmailWorker.Configuration;
using EmailWorker.Messages;
using EmailWorker.Outcomes;
using EmailWorker.Routing;

namespace EmailWorker.Tests;

/// <summary>The planner's choice of a retry's schedule by its cause, its jitter tier, and <c>expiresAt</c> over both.</summary>
[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
internal sealed class FatePlannerRetryTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    private static readonly RetrySchedules Schedules = new([S(30), S(120), S(600), S(1800)], GreylistMinimum: S(300))
    {
        MailboxFull = [S(3600), S(7200)],
        DomainFailure = [S(900), S(1800)],
        ConnectionFailure = [S(10), S(30), S(120)],
    };

    private static FatePlanner Planner(RetryJitter? jitter = null) =>
        new(new RoutingPolicy(Schedules with { Jitter = jitter ?? RetryJitter.None }, MaxSystemReturns: 3, Worker: "test/1"));

    private static readonly AttemptOutcome Busy = new(OutcomeClass.Transient, "451 4.3.0 try later", 451, "4.3.0");
    private static readonly AttemptOutcome Greylisted = new(OutcomeClass.Transient, "450 4.7.1 greylisted", 450, "4.7.1", Greylisted: true);
    private static readonly AttemptOutcome MailboxFull = new(OutcomeClass.Transient, "452 4.2.2 Mailbox full", 452, "4.2.2");
    private static readonly AttemptOutcome OverQuota = new(OutcomeClass.Transient, "552 5.2.2 over quota", 552, "5.2.2");
    private static readonly AttemptOutcome QuotaText = new(OutcomeClass.Transient, "452 user is over quota", 452);
    private static readonly AttemptOutcome DomainUnreachable = new(OutcomeClass.Transient, "451 4.4.1 No answer from host", 451, "4.4.1");
    private static readonly AttemptOutcome ConnectionLost = new(OutcomeClass.Transient, "the connection was lost", RelayFaultIfRepeated: true);

    private static AttemptState Waited(double? lastStepSeconds) =>
        AttemptState.New with { Attempts = lastStepSeconds is null ? 0 : 1, LastRetryDelay = lastStepSeconds is { } s ? S(s) : null };

    private static RecipientOutcome[] One(AttemptOutcome outcome) => [new("ann@example.org", outcome)];

    public static IEnumerable<TestCaseData> Causes()
    {
        yield return new TestCaseData(Busy, null, 30.0).SetName("any other transient reply takes Retry:Schedule");
        yield return new TestCaseData(Greylisted, null, 600.0).SetName("greylisting skips to the first default step at least the minimum");
        yield return new TestCaseData(MailboxFull, null, 3600.0).SetName("452 4.2.2 mailbox full takes Retry:MailboxFull");
        yield return new TestCaseData(OverQuota, null, 3600.0).SetName("552 5.2.2 over quota takes Retry:MailboxFull");
        yield return new TestCaseData(QuotaText, null, 3600.0).SetName("a quota reply without an enhanced code takes Retry:MailboxFull");
        yield return new TestCaseData(MailboxFull, 30.0, 3600.0).SetName("mailbox full after a short default step jumps to hours");
        yield return new TestCaseData(DomainUnreachable, null, 900.0).SetName("451 4.4.1 the domain's host does not answer takes Retry:DomainFailure");
        yield return new TestCaseData(ConnectionLost, null, 10.0).SetName("a connection lost without a reply takes Retry:ConnectionFailure");
        yield return new TestCaseData(ConnectionLost, 10.0, 30.0).SetName("a second connection failure takes the connection schedule's next step");
    }

    [TestCaseSource(nameof(Causes))]
    public void Should_retry_on_the_schedule_of_the_cause(AttemptOutcome outcome, double? lastStep, double expectedStep)
    {
        var plan = Planner().Attempted(Waited(lastStep), One(outcome), "", null, Now);

        var move = plan.Moves.Single();
        Assert.Multiple(() =>
        {
            Assert.That(move.To, Is.EqualTo(Destination.RetryTier));
            Assert.That(move.State.LastRetryDelay, Is.EqualTo(S(expectedStep)));
            Assert.That(move.Tier, Is.EqualTo(S(expectedStep)), "without jitter the step's own tier");
            Assert.That(plan.Reports.OfType<Report.Deferred>().Single().NextAttemptAt, Is.EqualTo(Now + S(expectedStep)));
        });
    }

    [Test]
    public void Should_dead_letter_when_the_causes_schedule_has_no_longer_step_naming_it()
    {
        var plan = Planner().Attempted(Waited(7200), One(MailboxFull), "", null, Now);

        Assert.Multiple(() =>
        {
            Assert.That(plan.Moves.Single().To, Is.EqualTo(Destination.DeadLetter));
            Assert.That(plan.Moves.Single().Failure!.Reason, Does.Contain("gave up after the last retry tier of Retry:MailboxFull: 2 retries"));
        });
    }

    [Test]
    public void Should_give_each_cause_its_own_move_for_its_own_recipients()
    {
        var outcomes = new RecipientOutcome[]
        {
            new("grey@example.org", Greylisted),
            new("full@example.org", MailboxFull),
            new("grey2@example.org", Greylisted),
        };

        var plan = Planner().Attempted(AttemptState.New, outcomes, "", null, Now);

        Assert.Multiple(() =>
        {
            Assert.That(plan.Moves.Select(m => (m.State.LastRetryDelay, string.Join(",", m.State.Recipients!))), Is.EquivalentTo(new[]
            {
                ((TimeSpan?)S(600), "grey@example.org,grey2@example.org"),
                ((TimeSpan?)S(3600), "full@example.org"),
            }));
            Assert.That(plan.Moves.Select(m => m.State.Attempts), Is.All.EqualTo(1), "one attempt, whatever the causes");
            Assert.That(plan.Reports.OfType<Report.Deferred>().Select(d => d.Outcome.EnhancedCode), Is.EquivalentTo(new[] { "4.7.1", "4.2.2" }));
        });
    }

    [TestCase(0.0, 120)]
    [TestCase(0.3, 128)]
    [TestCase(0.6, 136)]
    [TestCase(0.9, 144)]
    public void Should_wait_in_the_jitter_tier_the_draw_picks_and_keep_the_step(double draw, int expectedTierSeconds)
    {
        var plan = Planner(new RetryJitter(0.2, 4)).Attempted(Waited(30), One(Busy), "", null, Now, jitter: draw);

        var move = plan.Moves.Single();
        Assert.Multiple(() =>
        {
            Assert.That(move.Tier, Is.EqualTo(S(expectedTierSeconds)));
            Assert.That(move.State.LastRetryDelay, Is.EqualTo(S(120)), "the header keeps the step: the next retry continues after 2m");
            Assert.That(plan.Reports.OfType<Report.Deferred>().Single().NextAttemptAt, Is.EqualTo(Now + S(expectedTierSeconds)));
        });
    }

    [Test]
    public void Should_never_jitter_a_greylisted_retry_below_the_minimum() =>
        Assert.That(Planner(new RetryJitter(0.2, 4)).Attempted(AttemptState.New, One(Greylisted), "", null, Now, jitter: 0).Moves.Single().Tier,
            Is.GreaterThanOrEqualTo(Schedules.GreylistMinimum));

    [Test]
    public void Should_fall_back_to_the_steps_own_tier_when_its_jitter_tier_would_land_after_expires_at()
    {
        var plan = Planner(new RetryJitter(0.2, 4)).Attempted(Waited(30), One(Busy), "", expiresAt: Now + S(130), Now, jitter: 0.9);

        Assert.Multiple(() =>
        {
            Assert.That(plan.Moves.Single().To, Is.EqualTo(Destination.RetryTier));
            Assert.That(plan.Moves.Single().Tier, Is.EqualTo(S(120)));
        });
    }

    [Test]
    public void Should_expire_when_even_the_steps_own_tier_lands_after_expires_at()
    {
        var plan = Planner().Attempted(AttemptState.New, One(MailboxFull), "", expiresAt: Now + S(1800), Now);

        Assert.Multiple(() =>
        {
            Assert.That(plan.Moves.Single().Failure?.Class, Is.EqualTo(OutcomeClass.Expired), "a mailbox-full retry in an hour would come after expiresAt");
            Assert.That(plan.Moves.Single().Failure?.Reason, Does.Contain("expiresAt"));
        });
    }
}
