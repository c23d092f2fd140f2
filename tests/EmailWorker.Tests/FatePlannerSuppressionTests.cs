using EmailWorker.Configuration;
using EmailWorker.Messages;
using EmailWorker.Outcomes;
using EmailWorker.Routing;

namespace EmailWorker.Tests;

/// <summary>The planner with what the suppression list found: a report per suppressed recipient, and no move ever names one.</summary>
[TestFixture]
[CancelAfter(10_000)]
internal sealed class FatePlannerSuppressionTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly FatePlanner Planner = new(new RoutingPolicy(new RetrySchedules([TimeSpan.FromSeconds(30)], TimeSpan.FromMinutes(5)), MaxSystemReturns: 3, Worker: "test/1"));
    private static readonly AttemptOutcome Delivered = AttemptOutcome.Delivered("250 2.0.0 queued");
    private static readonly AttemptOutcome Transient = new(OutcomeClass.Transient, "451 4.3.0 try later", 451, "4.3.0");
    private static readonly SuppressedRecipient Bob = new("Bob@example.org", "bob@example.org", "hard_bounce", "global");
    private static readonly SuppressedRecipient Cy = new("cy@gone.test", "*@gone.test", "manual", "broadcast");

    [Test]
    public void When_every_recipient_is_suppressed_should_ack_without_a_move_and_report_each()
    {
        var plan = FatePlanner.AllSuppressed(AttemptState.New, new SuppressionFindings([Bob, Cy], []));

        Assert.Multiple(() =>
        {
            Assert.That(plan.Requeue, Is.False);
            Assert.That(plan.Moves, Is.Empty);
            Assert.That(plan.TripBreaker, Is.Null);
            Assert.That(plan.Reports, Is.EqualTo(new Report[] { new Report.Suppressed(0, Bob), new Report.Suppressed(0, Cy) }));
        });
    }

    [Test]
    public void When_some_recipients_are_suppressed_should_report_them_and_move_only_the_others()
    {
        var suppression = new SuppressionFindings([Bob], ["ann@example.org", "dan@example.org"]);
        var outcomes = new[] { new RecipientOutcome("ann@example.org", Delivered), new RecipientOutcome("dan@example.org", Transient) };

        var plan = Planner.Attempted(AttemptState.New, outcomes, "250 2.0.0 queued", expiresAt: null, Now, suppression: suppression);

        Assert.Multiple(() =>
        {
            Assert.That(plan.Reports.OfType<Report.Suppressed>(), Is.EqualTo(new[] { new Report.Suppressed(1, Bob) }));
            Assert.That(plan.Reports.OfType<Report.Delivered>().Single().Recipients, Is.EqualTo(new[] { "ann@example.org" }));
            Assert.That(plan.Moves.Select(m => (m.To, m.State.Recipients)), Is.EqualTo(new[] { (Destination.RetryTier, (IReadOnlyList<string>?)["dan@example.org"]) }));
        });
    }

    [Test]
    public void When_the_attempt_is_interrupted_should_return_it_without_the_suppressed_and_report_them()
    {
        var plan = Planner.Interrupted(AttemptState.New, maybeDelivered: false, Now, suppression: new SuppressionFindings([Bob], ["ann@example.org"]));

        Assert.Multiple(() =>
        {
            Assert.That(plan.Moves.Single().State.Recipients, Is.EqualTo(new[] { "ann@example.org" }));
            Assert.That(plan.Reports.OfType<Report.Suppressed>().Count(), Is.EqualTo(1));
        });
    }

    [Test]
    public void When_the_relay_is_unreached_should_give_the_message_back_without_the_suppressed()
    {
        var state = AttemptState.New with { Recipients = ["ann@example.org", "Bob@example.org"] };
        var unreached = new AttemptOutcome(OutcomeClass.System, "connection refused", RelayUnreached: true);

        var plan = Planner.Attempted(state, [new RecipientOutcome("ann@example.org", unreached)], "", expiresAt: null, Now,
            suppression: new SuppressionFindings([Bob], ["ann@example.org"]));

        Assert.Multiple(() =>
        {
            Assert.That(plan.Moves.Single().State.Recipients, Is.EqualTo(new[] { "ann@example.org" }));
            Assert.That(plan.Moves.Single().State.Attempts, Is.Zero, "not an attempt");
            Assert.That(plan.Reports, Is.EqualTo(new Report[] { new Report.Suppressed(0, Bob) }));
            Assert.That(plan.TripBreaker, Is.Not.Null);
        });
    }

    [Test]
    public void When_the_ledger_has_delivered_the_rest_should_report_both()
    {
        var plan = FatePlanner.AlreadyDelivered(AttemptState.New, new LedgerFindings(["ann@example.org"], [], false, []),
            new SuppressionFindings([Bob], ["ann@example.org"]));

        Assert.Multiple(() =>
        {
            Assert.That(plan.Moves, Is.Empty);
            Assert.That(plan.Reports.Select(r => r.GetType()), Is.EqualTo(new[] { typeof(Report.Suppressed), typeof(Report.DeliveredBefore) }));
        });
    }
}
