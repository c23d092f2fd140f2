using EmailWorker.Configuration;
using EmailWorker.Contracts;
using EmailWorker.Diagnostics;
using EmailWorker.Outcomes;
using EmailWorker.Messages;
using EmailWorker.Routing;

namespace EmailWorker.Tests;

/// <summary>The planner's rules, one test per rule, read like the tables of SMTP-OUTCOMES.md and DESIGN §5.</summary>
[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
internal sealed class FatePlannerTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan[] Schedule = [TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(30)];
    private static readonly FatePlanner Planner = new(new RoutingPolicy(new RetrySchedules(Schedule, TimeSpan.FromMinutes(5)), MaxSystemReturns: 3, Worker: "test/1"));

    private static readonly AttemptOutcome Transient = new(OutcomeClass.Transient, "451 4.3.0 try later", 451, "4.3.0");
    private static readonly AttemptOutcome Greylisted = new(OutcomeClass.Transient, "450 4.7.1 greylisted", 450, "4.7.1", Greylisted: true);
    private static readonly AttemptOutcome Permanent = new(OutcomeClass.Permanent, "550 5.1.1 unknown user", 550, "5.1.1");
    private static readonly AttemptOutcome System = new(OutcomeClass.System, "554 5.7.1 Relay access denied", 554, "5.7.1");
    private static readonly AttemptOutcome Delivered = AttemptOutcome.Delivered("250 2.0.0 queued");

    private static AttemptState State(int attempts = 0, int? lastDelaySeconds = null, int systemReturns = 0, string[]? recipients = null) =>
        AttemptState.New with
        {
            Attempts = attempts,
            FirstAttemptAt = attempts > 0 ? Now.AddHours(-1) : null,
            History = [.. Enumerable.Range(1, attempts).Select(i => new HistoryEntry(i, Now.AddHours(-1), "deferred", "transient", 451, null, "later", "w"))],
            LastRetryDelay = lastDelaySeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
            SystemReturns = systemReturns,
            Recipients = recipients,
        };

    private static RecipientOutcome[] All(AttemptOutcome outcome, params string[] recipients) => [.. recipients.Select(r => new RecipientOutcome(r, outcome))];

    // class × attempt position: the first attempt, one after the second tier, one after the last tier; system returns below and at the limit.
    [TestCase(OutcomeClass.Transient, null, 0, Destination.RetryTier, 30, null, TestName = "transient on the first attempt goes to the first tier")]
    [TestCase(OutcomeClass.Transient, 120, 0, Destination.RetryTier, 600, null, TestName = "transient after the 2m tier goes to the 10m tier")]
    [TestCase(OutcomeClass.Transient, 1800, 0, Destination.DeadLetter, 1800, OutcomeClass.Transient, TestName = "transient after the last tier is dead-lettered")]
    [TestCase(OutcomeClass.Transient, 45, 0, Destination.RetryTier, 120, null, TestName = "transient after a delay the schedule no longer has goes to the next longer tier")]
    [TestCase(OutcomeClass.Permanent, null, 0, Destination.DeadLetter, null, OutcomeClass.Permanent, TestName = "permanent on the first attempt is dead-lettered")]
    [TestCase(OutcomeClass.Permanent, 1800, 0, Destination.DeadLetter, 1800, OutcomeClass.Permanent, TestName = "permanent after the last tier is dead-lettered as permanent")]
    [TestCase(OutcomeClass.System, null, 0, Destination.WorkQueue, null, null, TestName = "system on the first attempt goes back to the work queue")]
    [TestCase(OutcomeClass.System, 120, 2, Destination.WorkQueue, 120, null, TestName = "system below the return limit goes back, keeping its tier")]
    [TestCase(OutcomeClass.System, null, 3, Destination.DeadLetter, null, OutcomeClass.System, TestName = "system at the return limit is dead-lettered as system")]
    public void Should_route_by_class_and_attempt_position(OutcomeClass outcomeClass, int? lastDelay, int systemReturns, Destination expected,
        int? expectedDelay, OutcomeClass? expectedFailure)
    {
        var outcome = outcomeClass switch { OutcomeClass.Transient => Transient, OutcomeClass.Permanent => Permanent, _ => System };
        var state = State(attempts: lastDelay is null ? 0 : 2, lastDelaySeconds: lastDelay, systemReturns: systemReturns);

        var plan = Planner.Attempted(state, All(outcome, "ann@example.org"), "", expiresAt: null, Now);

        var move = plan.Moves.Single();
        Assert.Multiple(() =>
        {
            Assert.That(move.To, Is.EqualTo(expected));
            Assert.That(move.State.LastRetryDelay?.TotalSeconds, Is.EqualTo(expectedDelay));
            Assert.That(move.Failure?.Class, Is.EqualTo(expectedFailure));
            Assert.That(move.State.Attempts, Is.EqualTo(state.Attempts + 1), "every attempt is counted");
            Assert.That(move.State.History, Has.Count.EqualTo(state.History.Count + 1), "every attempt is in the history");
            Assert.That(move.State.Recipients, Is.EqualTo(new[] { "ann@example.org" }));
        });
    }

    [Test]
    public void Should_give_each_recipient_its_own_fate_and_never_move_a_delivered_one()
    {
        var outcomes = new[]
        {
            new RecipientOutcome("got-it@example.org", Delivered),
            new RecipientOutcome("later@example.org", Transient),
            new RecipientOutcome("unknown@example.org", Permanent),
            new RecipientOutcome("relay-refused@example.org", System),
        };

        var plan = Planner.Attempted(State(), outcomes, "250 queued", null, Now);

        Assert.Multiple(() =>
        {
            Assert.That(plan.Moves.Select(m => (m.To, string.Join(",", m.State.Recipients!))), Is.EquivalentTo(new[]
            {
                (Destination.DeadLetter, "unknown@example.org"),
                (Destination.RetryTier, "later@example.org"),
                (Destination.WorkQueue, "relay-refused@example.org"),
            }));
            Assert.That(plan.Moves.SelectMany(m => m.State.Recipients!), Does.Not.Contain("got-it@example.org"));
            Assert.That(plan.Reports.OfType<Report.Delivered>().Single().Recipients, Is.EqualTo(new[] { "got-it@example.org" }));
            Assert.That(plan.TripBreaker, Does.Contain("Relay access denied"));
        });
    }

    [Test]
    public void Should_only_report_a_delivery_when_every_recipient_got_the_mail()
    {
        var plan = Planner.Attempted(State(), All(Delivered, "ann@example.org", "bob@example.org"), "250 queued", null, Now);

        Assert.Multiple(() =>
        {
            Assert.That(plan.Moves, Is.Empty);
            Assert.That(plan.TripBreaker, Is.Null);
            Assert.That(plan.Reports.Single(), Is.TypeOf<Report.Delivered>());
        });
    }

    [TestCase(OutcomeClass.Transient)]
    [TestCase(OutcomeClass.Permanent)]
    [TestCase(OutcomeClass.Delivered)]
    public void Should_open_the_breaker_only_for_system_faults(OutcomeClass outcomeClass)
    {
        var outcome = outcomeClass switch { OutcomeClass.Transient => Transient, OutcomeClass.Permanent => Permanent, _ => Delivered };

        Assert.That(Planner.Attempted(State(), All(outcome, "ann@example.org"), "", null, Now).TripBreaker, Is.Null);
    }

    [Test]
    public void Should_not_count_an_attempt_when_the_relay_could_not_be_reached()
    {
        var state = State(attempts: 1, lastDelaySeconds: 30);
        var unreachable = new AttemptOutcome(OutcomeClass.System, "relay unavailable: connection refused", RelayUnreached: true);

        var plan = Planner.Attempted(state, All(unreachable, "ann@example.org"), "", null, Now);

        Assert.Multiple(() =>
        {
            Assert.That((plan.Moves.Single().To, plan.Moves.Single().State), Is.EqualTo((Destination.WorkQueue, state)));
            Assert.That(plan.TripBreaker, Does.Contain("connection refused"));
        });
    }

    [Test]
    public void Should_count_system_returns()
    {
        var move = Planner.Attempted(State(systemReturns: 1), All(System, "ann@example.org"), "", null, Now).Moves.Single();

        Assert.That((move.State.SystemReturns, move.State.History[^1].Outcome), Is.EqualTo((2, "returned")));
    }

    [Test]
    public void Should_skip_to_a_tier_long_enough_for_greylisting() =>
        Assert.That(Planner.Attempted(State(), All(Greylisted, "ann@example.org"), "", null, Now).Moves.Single().State.LastRetryDelay,
            Is.EqualTo(TimeSpan.FromMinutes(10)));

    [Test]
    public void Should_cap_the_greylisting_skip_at_the_longest_tier()
    {
        var planner = new FatePlanner(new RoutingPolicy(new RetrySchedules([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)], TimeSpan.FromHours(1)), 10, "w"));

        Assert.That(planner.Attempted(State(), All(Greylisted, "ann@example.org"), "", null, Now).Moves.Single().State.LastRetryDelay,
            Is.EqualTo(TimeSpan.FromSeconds(2)));
    }

    [Test]
    public void Should_expire_when_the_retry_would_land_after_expires_at()
    {
        var plan = Planner.Attempted(State(), All(Transient, "ann@example.org"), "", expiresAt: Now.AddSeconds(10), Now);

        Assert.Multiple(() =>
        {
            Assert.That(plan.Moves.Single().Failure?.Class, Is.EqualTo(OutcomeClass.Expired));
            Assert.That(plan.Reports.OfType<Report.DeadLettered>().Single().Failure.Reason, Does.Contain("expiresAt"));
        });
    }

    [Test]
    public void Should_say_when_the_next_attempt_is() =>
        Assert.That(Planner.Attempted(State(attempts: 1, lastDelaySeconds: 30), All(Transient, "a@example.org"), "", null, Now)
            .Reports.OfType<Report.Deferred>().Single().NextAttemptAt, Is.EqualTo(Now.AddMinutes(2)));

    [Test]
    public void Should_mark_a_maybe_delivered_attempt_in_the_history()
    {
        var lost = new AttemptOutcome(OutcomeClass.Transient, "connection lost", MaybeDelivered: true, RelayFaultIfRepeated: true);

        Assert.That(Planner.Attempted(State(), All(lost, "a@example.org"), "", null, Now).Moves.Single().State.History[^1].Message,
            Does.EndWith("(maybe delivered)"));
    }

    [Test]
    public void Should_reject_an_invalid_message_without_counting_an_attempt()
    {
        var plan = Planner.Rejected(State(), [new ValidationError(ValidationCodes.InvalidHeaderValue, "headers.X-A", "null")], Now);

        var move = plan.Moves.Single();
        Assert.Multiple(() =>
        {
            Assert.That((move.To, move.Failure!.Class, move.State.Attempts), Is.EqualTo((Destination.DeadLetter, OutcomeClass.Invalid, 0)));
            Assert.That(move.Failure.Reason, Does.StartWith(ValidationCodes.InvalidHeaderValue));
            Assert.That(plan.Reports.OfType<Report.DeadLettered>().Single().Errors.Single().Code, Is.EqualTo(ValidationCodes.InvalidHeaderValue));
        });
    }

    [Test]
    public void Should_dead_letter_an_expired_message_for_the_recipients_still_owed()
    {
        var move = Planner.Expired(State(recipients: ["bob@example.org"]), Now.AddMinutes(-1), Now).Moves.Single();

        Assert.That((move.Failure!.Class, move.State.Recipients!.Single()), Is.EqualTo((OutcomeClass.Expired, "bob@example.org")));
    }

    [Test]
    public void Should_return_an_untried_message_unchanged()
    {
        var state = State(attempts: 2, lastDelaySeconds: 120);

        var move = FatePlanner.NotTried(state).Moves.Single();

        Assert.That((move.To, move.State), Is.EqualTo((Destination.WorkQueue, state)));
    }

    [Test]
    public void Should_record_an_interrupted_attempt_and_return_it()
    {
        var move = Planner.Interrupted(State(recipients: ["bob@example.org"]), maybeDelivered: true, Now).Moves.Single();

        Assert.Multiple(() =>
        {
            Assert.That((move.To, move.State.Attempts, move.State.SystemReturns), Is.EqualTo((Destination.WorkQueue, 1, 0)));
            Assert.That(move.State.History[^1].Message, Does.EndWith("(maybe delivered)"));
            Assert.That(move.State.Recipients, Is.EqualTo(new[] { "bob@example.org" }));
        });
    }

    [Test]
    public void Should_escape_and_bound_what_the_relay_said()
    {
        var hostile = new AttemptOutcome(OutcomeClass.Permanent, "550 \u001b[31mfake\r\nINFO forged line " + new string('x', 5000), 550);

        var reason = Planner.Attempted(State(), All(hostile, "a@example.org"), "", null, Now).Moves.Single().Failure!.Reason;

        Assert.Multiple(() =>
        {
            Assert.That(reason, Does.Not.Contain("\u001b").And.Not.Contain("\r").And.Not.Contain("\n"));
            Assert.That(reason.Length, Is.LessThanOrEqualTo(SafeText.MaxLength + 1));
        });
    }

    [Test]
    public void Should_replay_with_a_fresh_count_for_the_same_recipients()
    {
        var replayed = FatePlanner.Replayed(State(attempts: 4, lastDelaySeconds: 1800, systemReturns: 2, recipients: ["bob@example.org"]), "transient", "ops", "cli", Now);

        Assert.Multiple(() =>
        {
            Assert.That((replayed.Attempts, replayed.LastRetryDelay, replayed.SystemReturns, replayed.ReplayCount), Is.EqualTo((0, (TimeSpan?)null, 0, 1)));
            Assert.That(replayed.Recipients, Is.EqualTo(new[] { "bob@example.org" }));
            Assert.That(replayed.History[^1].Outcome, Is.EqualTo("replayed"));
        });
    }
}
