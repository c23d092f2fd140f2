using EmailWorker.Configuration;
using EmailWorker.Messages;
using EmailWorker.Outcomes;
using EmailWorker.Routing;

namespace EmailWorker.Tests;

/// <summary>The planner's rules for throttled recipients: the relay's condition, never the message's fault.</summary>
[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
internal sealed class FatePlannerThrottledTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
    private static readonly FatePlanner Planner = new(new RoutingPolicy(new RetrySchedules([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)], TimeSpan.FromMinutes(5)),
        MaxSystemReturns: 3, Worker: "test/1"));

    private static readonly AttemptOutcome Throttled = new(OutcomeClass.Throttled, "454 4.7.0 Throttling failure: Maximum sending rate exceeded", 454, "4.7.0",
        Stage: SmtpStage.MailFrom);

    private static AttemptState State(int attempts = 0, int systemReturns = 0, TimeSpan? lastDelay = null) => AttemptState.New with
    {
        Attempts = attempts,
        SystemReturns = systemReturns,
        LastRetryDelay = lastDelay,
    };

    [Test]
    public void When_a_message_is_still_throttled_should_return_it_to_the_work_queue_without_spending_a_retry()
    {
        var state = State(attempts: 2, lastDelay: TimeSpan.FromSeconds(2));

        var plan = Planner.Attempted(state, [new RecipientOutcome("ann@example.org", Throttled)], "", expiresAt: null, Now, attempts: 5);

        var move = plan.Moves.Single();
        Assert.Multiple(() =>
        {
            Assert.That(move.To, Is.EqualTo(Destination.WorkQueue));
            Assert.That(move.State.LastRetryDelay, Is.EqualTo(TimeSpan.FromSeconds(2)), "no retry tier spent: after the last tier it is still not dead-lettered");
            Assert.That(move.State.Attempts, Is.EqualTo(7), "each throttled send is an attempt");
            Assert.That(move.State.History[^1].Outcome, Is.EqualTo("returned"));
            Assert.That(move.State.History[^1].Class, Is.EqualTo("throttled"));
            Assert.That(plan.TripBreaker, Is.Null, "throttling never opens the breaker");
            Assert.That(plan.Reports.Single(), Is.InstanceOf<Report.Returned>());
        });
    }

    [Test]
    public void When_a_message_was_returned_for_throttling_many_times_should_not_count_it_as_a_system_return()
    {
        var plan = Planner.Attempted(State(attempts: 40, systemReturns: 3), [new RecipientOutcome("ann@example.org", Throttled)], "", expiresAt: null, Now);

        var move = plan.Moves.Single();
        Assert.Multiple(() =>
        {
            Assert.That(move.To, Is.EqualTo(Destination.WorkQueue), "at the system-return limit, throttling still does not dead-letter");
            Assert.That(move.State.SystemReturns, Is.EqualTo(3));
        });
    }

    [Test]
    public void When_expires_at_has_passed_should_dead_letter_a_throttled_message_as_expired()
    {
        var plan = Planner.Attempted(State(), [new RecipientOutcome("ann@example.org", Throttled)], "", expiresAt: Now.AddSeconds(-1), Now);

        var move = plan.Moves.Single();
        Assert.Multiple(() =>
        {
            Assert.That(move.To, Is.EqualTo(Destination.DeadLetter));
            Assert.That(move.Failure!.Class, Is.EqualTo(OutcomeClass.Expired));
        });
    }

    [Test]
    public void When_some_recipients_were_delivered_and_others_throttled_should_return_only_the_throttled()
    {
        var outcomes = new[]
        {
            new RecipientOutcome("ann@example.org", AttemptOutcome.Delivered("250 ok")),
            new RecipientOutcome("bob@example.org", Throttled),
        };

        var plan = Planner.Attempted(State(), outcomes, "250 ok", expiresAt: null, Now, attempts: 2);

        Assert.Multiple(() =>
        {
            Assert.That(plan.Moves.Single().State.Recipients, Is.EqualTo(new[] { "bob@example.org" }));
            Assert.That(plan.Reports.OfType<Report.Delivered>().Single().Recipients, Is.EqualTo(new[] { "ann@example.org" }));
        });
    }
}
