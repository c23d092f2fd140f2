using EmailWorker.Configuration;
using EmailWorker.Messages;
using EmailWorker.Outcomes;
using EmailWorker.Routing;
using EmailWorker.Worker;

namespace EmailWorker.Tests;

/// <summary>The planner and the ledger's settlement with what the delivered ledger found: one test per rule.</summary>
[TestFixture]
[CancelAfter(10_000)]
internal sealed class FatePlannerLedgerTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly FatePlanner Planner = new(new RoutingPolicy(new RetrySchedules([TimeSpan.FromSeconds(30)], TimeSpan.FromMinutes(5)), MaxSystemReturns: 3, Worker: "test/1"));
    private static readonly AttemptOutcome Delivered = AttemptOutcome.Delivered("250 2.0.0 queued");
    private static readonly AttemptOutcome Transient = new(OutcomeClass.Transient, "451 4.3.0 try later", 451, "4.3.0");

    [Test]
    public void Should_ack_without_a_move_when_every_recipient_has_the_mail_already()
    {
        var findings = new LedgerFindings(["ann@example.org", "bob@example.org"], [], false, []);

        var plan = FatePlanner.AlreadyDelivered(AttemptState.New, findings);

        Assert.Multiple(() =>
        {
            Assert.That(plan.Requeue, Is.False, "acked: the relay has it for everyone");
            Assert.That(plan.Moves, Is.Empty);
            Assert.That(plan.Reports, Is.EqualTo(new Report[] { new Report.DeliveredBefore(0, findings.DeliveredBefore) }).Using<Report>(SameReport));
        });
    }

    [Test]
    public void Should_report_what_the_ledger_found_and_never_move_a_recipient_it_skipped()
    {
        // Ann has it (skipped), Bob is in doubt and resent, Cy was never tried before: Bob is delivered, Cy deferred.
        var findings = new LedgerFindings(["ann@example.org"], ["bob@example.org"], false, ["bob@example.org", "cy@example.org"]);
        var outcomes = new[] { new RecipientOutcome("bob@example.org", Delivered), new RecipientOutcome("cy@example.org", Transient) };

        var plan = Planner.Attempted(AttemptState.New, outcomes, "250 2.0.0 queued", expiresAt: null, Now, ledger: findings);

        Assert.Multiple(() =>
        {
            Assert.That(plan.Moves.Select(m => (m.To, m.State.Recipients)), Is.EqualTo(new[] { (Destination.RetryTier, (IReadOnlyList<string>?)["cy@example.org"]) }));
            Assert.That(plan.Reports.OfType<Report.DeliveredBefore>().Single().Recipients, Is.EqualTo(new[] { "ann@example.org" }));
            Assert.That(plan.Reports.OfType<Report.InDoubt>().Single(), Is.EqualTo(new Report.InDoubt(1, ["bob@example.org"], false)).Using<Report>(SameReport));
            Assert.That(plan.Reports.OfType<Report.Delivered>().Single().Recipients, Is.EqualTo(new[] { "bob@example.org" }));
        });
    }

    [Test]
    public void Should_return_an_interrupted_attempt_for_the_recipients_the_ledger_left_in_it()
    {
        var findings = new LedgerFindings(["ann@example.org"], [], false, ["bob@example.org"]);

        var plan = Planner.Interrupted(AttemptState.New, maybeDelivered: true, Now, findings);

        Assert.That(plan.Moves.Single().State.Recipients, Is.EqualTo(new[] { "bob@example.org" }));
    }

    [Test]
    public void Should_keep_the_state_of_an_interrupted_attempt_when_the_ledger_skipped_nobody()
    {
        var plan = Planner.Interrupted(AttemptState.New, maybeDelivered: true, Now, new LedgerFindings([], ["bob@example.org"], false, ["bob@example.org"]));

        Assert.That(plan.Moves.Single().State.Recipients, Is.Null, "still every recipient of the message");
    }

    [Test]
    public void Should_record_the_delivered_release_the_refused_and_keep_the_claim_of_a_maybe_delivered_recipient()
    {
        var lost = new AttemptOutcome(OutcomeClass.Transient, "connection lost after the content", MaybeDelivered: true);
        var outcomes = new[]
        {
            new RecipientOutcome("ann@example.org", Delivered),
            new RecipientOutcome("bob@example.org", Transient),
            new RecipientOutcome("cy@example.org", lost),
        };

        var settlement = LedgerSettlement.Of(outcomes, "250 2.0.0 queued");

        Assert.Multiple(() =>
        {
            Assert.That(settlement.Delivered, Is.EqualTo(new[] { "ann@example.org" }));
            Assert.That(settlement.Released, Is.EqualTo(new[] { "bob@example.org" }), "cy stays claimed: in doubt if the message comes again");
            Assert.That(settlement.Reply, Is.EqualTo("250 2.0.0 queued"));
        });
    }

    [TestCase("Ann@Example.ORG", "ann@example.org")]
    [TestCase("ann@example.org", "ann@example.org")]
    public void Should_key_an_address_case_insensitively(string address, string key) => Assert.That(DeliveryLedger.Key(address), Is.EqualTo(key));

    private static bool SameReport(Report x, Report y) => (x, y) switch
    {
        (Report.DeliveredBefore a, Report.DeliveredBefore b) => a.Attempt == b.Attempt && a.Recipients.SequenceEqual(b.Recipients),
        (Report.InDoubt a, Report.InDoubt b) => a.Attempt == b.Attempt && a.AssumedDelivered == b.AssumedDelivered && a.Recipients.SequenceEqual(b.Recipients),
        _ => false,
    };
}
