using EmailWorker.Configuration;
using EmailWorker.Contracts;
using EmailWorker.Messages;
using EmailWorker.Diagnostics;
using EmailWorker.Outcomes;

namespace EmailWorker.Routing;

/// <summary>
/// Decides a message's fate — a pure function of the outcomes, the attempt state, the policy and the clock passed in:
/// which moves to publish (work queue, retry tier, dead letters, each standing for its own recipients), what to report,
/// and whether the relay breaker must open. Per recipient: the delivered ones are never in any move, so no plan can send
/// the mail to them again.
/// </summary>
internal sealed class FatePlanner(RoutingPolicy policy)
{
    /// <summary>The body is not a valid command, or MIME could not be built from it: dead-lettered as invalid, not tried.</summary>
    public Plan Rejected(AttemptState state, IReadOnlyList<ValidationError> errors, DateTimeOffset now)
    {
        var bounded = errors.Select(e => new ValidationError(e.Code, SafeText.Bound(e.Field, 200), SafeText.Bound(e.Message, 300))).ToArray();
        var outcome = new AttemptOutcome(OutcomeClass.Invalid, SafeText.Bound(string.Join("; ", bounded.Select(e => e.ToString()))));
        return DeadLetterOnly(state, state.Recipients, outcome, bounded, now);
    }

    /// <summary><c>expiresAt</c> has passed before the attempt: dead-lettered as expired, not tried.</summary>
    public Plan Expired(AttemptState state, DateTimeOffset expiresAt, DateTimeOffset now) =>
        DeadLetterOnly(state, state.Recipients,
            new AttemptOutcome(OutcomeClass.Expired, $"{ValidationCodes.Expired}: expiresAt {expiresAt:O} has passed"), [], now);

    /// <summary>Not tried because the relay is known to be unusable: back to the work queue as it came, nothing counted.</summary>
    public static Plan NotTried(AttemptState state) => new([new Move(Destination.WorkQueue, state)], []);

    /// <summary>
    /// The worker stopped for good in the middle of an attempt: back to the work queue for the same recipients, the attempt
    /// recorded (and marked "maybe delivered" when the body was on its way). Not counted as a system return: it says
    /// nothing about the message or the relay.
    /// </summary>
    public Plan Interrupted(AttemptState state, bool maybeDelivered, DateTimeOffset now, LedgerFindings? ledger = null,
        SuppressionFindings? suppression = null)
    {
        if (ledger is { Skips: true })
            state = state with { Recipients = ledger.Remaining };
        state = WithoutSuppressed(state, suppression);
        var attempt = state.Attempts + 1;
        var outcome = Recorded(new AttemptOutcome(OutcomeClass.System, "the worker stopped during the attempt", MaybeDelivered: maybeDelivered));
        var returned = state with
        {
            Attempts = attempt,
            FirstAttemptAt = state.FirstAttemptAt ?? now,
            History = state.HistoryWith(Entry(attempt, now, "returned", outcome)),
        };
        // The suppressed are reported now: the return no longer names them, so no later attempt will.
        return new Plan([new Move(Destination.WorkQueue, returned)],
            [.. SuppressionReports(attempt, suppression), new Report.Returned(attempt, outcome, state.SystemReturns, state.Recipients ?? [])]);
    }

    /// <summary>
    /// The state a dead letter is replayed with: attempts, tiers and system returns start afresh, the recipients it stands
    /// for stay (so a replay reaches only them), the history keeps every entry plus one for the replay.
    /// </summary>
    public static AttemptState Replayed(AttemptState state, string failureClass, string replayedBy, string tool, DateTimeOffset now) => AttemptState.New with
    {
        History = state.HistoryWith(new HistoryEntry(0, now, "replayed", failureClass, null, null, $"replayed by {SafeText.Bound(replayedBy, 200)}", tool)),
        Recipients = state.Recipients,
        ReplayCount = state.ReplayCount + 1,
    };

    /// <summary>
    /// The ledger says every recipient has the mail already (or is in doubt and assumed to): nothing is tried, the source
    /// is acked and what the ledger found is reported.
    /// </summary>
    public static Plan AlreadyDelivered(AttemptState state, LedgerFindings ledger, SuppressionFindings? suppression = null) =>
        new([], [.. SuppressionReports(state.Attempts, suppression), .. LedgerReports(state.Attempts, ledger)]);

    /// <summary>
    /// The suppression list holds every recipient: nothing is tried, the source is acked, one report per recipient.
    /// No attempt is counted: the message never reached the relay.
    /// </summary>
    public static Plan AllSuppressed(AttemptState state, SuppressionFindings suppression) => new([], SuppressionReports(state.Attempts, suppression));

    /// <summary>
    /// <paramref name="attempts"/> SMTP attempts were made in this delivery (more than one when throttled sends waited in
    /// memory and were made again); <paramref name="outcomes"/> has one entry per recipient, its latest outcome (never one
    /// the <paramref name="ledger"/> took out of it, so no move names those). <paramref name="jitter"/> is a uniform draw
    /// in [0, 1) that picks a retry's tier among its step's jitter tiers (passed in, like the clock, to keep this pure).
    /// </summary>
    public Plan Attempted(AttemptState state, IReadOnlyList<RecipientOutcome> outcomes, string finalReply, DateTimeOffset? expiresAt, DateTimeOffset now,
        int attempts = 1, LedgerFindings? ledger = null, double jitter = 0, SuppressionFindings? suppression = null)
    {
        // The relay could not be reached, secured or logged in to: no dialogue, so no attempt — back as it came.
        if (outcomes.Count > 0 && outcomes.All(o => o.Outcome.RelayUnreached))
        {
            // The suppressed are reported now and left out of the return, so no move names them.
            return NotTried(WithoutSuppressed(state, suppression)) with { Reports = SuppressionReports(state.Attempts, suppression), TripBreaker = SafeText.Bound(outcomes[0].Outcome.Reason) };
        }
        var attempt = state.Attempts + Math.Max(1, attempts);
        var tried = state with { Attempts = attempt, FirstAttemptAt = state.FirstAttemptAt ?? now };
        var moves = new List<Move>();
        var reports = SuppressionReports(attempt, suppression);
        if (ledger is not null)
            reports.AddRange(LedgerReports(attempt, ledger));
        string? tripBreaker = null;

        var delivered = Recipients(outcomes, OutcomeClass.Delivered);
        if (delivered.Count > 0)
            reports.Add(new Report.Delivered(attempt, delivered, SafeText.Bound(finalReply), tried.FirstAttemptAt ?? now));

        var permanent = outcomes.Where(o => o.Outcome.Class is OutcomeClass.Permanent or OutcomeClass.Invalid or OutcomeClass.Expired).ToList();
        foreach (var refused in permanent)
            reports.Add(new Report.RecipientRefused(attempt, refused.Address, Recorded(refused.Outcome)));
        if (permanent.Count > 0)
            AddDeadLetter(tried, [.. permanent.Select(p => p.Address)], Recorded(permanent[0].Outcome), [], now, moves, reports);

        // Each cause waits on its own schedule: one retry move per cause, each for its own recipients.
        foreach (var cause in outcomes.Where(o => o.Outcome.Class == OutcomeClass.Transient).GroupBy(o => RetryCauses.Of(o.Outcome)))
            AddRetry(tried, cause.Key, [.. cause.Select(t => t.Address)], Recorded(cause.First().Outcome), expiresAt, now, jitter, moves, reports);

        var system = outcomes.Where(o => o.Outcome.Class == OutcomeClass.System).ToList();
        if (system.Count > 0)
        {
            var outcome = Recorded(system[0].Outcome);
            tripBreaker = outcome.Reason;
            AddReturn(tried, [.. system.Select(s => s.Address)], outcome, now, moves, reports);
        }

        var throttled = outcomes.Where(o => o.Outcome.Class == OutcomeClass.Throttled).ToList();
        if (throttled.Count > 0)
            AddThrottledReturn(tried, [.. throttled.Select(t => t.Address)], Recorded(throttled[0].Outcome), expiresAt, now, moves, reports);
        return new Plan(moves, reports, tripBreaker);
    }

    /// <summary>The state with the suppressed taken out of the recipients it stands for (all of the message's: the remaining ones).</summary>
    private static AttemptState WithoutSuppressed(AttemptState state, SuppressionFindings? suppression)
    {
        if (suppression is not { Skips: true })
            return state;
        var suppressed = suppression.Suppressed.Select(s => s.Address).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return state with { Recipients = state.Recipients is null ? suppression.Remaining : [.. state.Recipients.Where(r => !suppressed.Contains(r))] };
    }

    private static List<Report> SuppressionReports(int attempt, SuppressionFindings? suppression) =>
        suppression is null ? [] : [.. suppression.Suppressed.Select(s => new Report.Suppressed(attempt, s))];

    private static List<Report> LedgerReports(int attempt, LedgerFindings ledger)
    {
        var reports = new List<Report>();
        if (ledger.DeliveredBefore.Count > 0)
            reports.Add(new Report.DeliveredBefore(attempt, ledger.DeliveredBefore));
        if (ledger.InDoubt.Count > 0)
            reports.Add(new Report.InDoubt(attempt, ledger.InDoubt, ledger.InDoubtAssumedDelivered));
        return reports;
    }

    /// <summary>
    /// Still throttled after waiting in memory: the relay's condition, not the message's — back to the work queue with
    /// the attempt recorded, no retry spent, no system return counted (so never dead-lettered for it), the breaker left
    /// alone. Only <c>expiresAt</c> ends it.
    /// </summary>
    private void AddThrottledReturn(AttemptState tried, IReadOnlyList<string> recipients, AttemptOutcome outcome, DateTimeOffset? expiresAt,
        DateTimeOffset now, List<Move> moves, List<Report> reports)
    {
        if (expiresAt is { } deadline && deadline <= now)
        {
            var expired = outcome with { Class = OutcomeClass.Expired, Reason = $"{outcome.Reason} (throttled by the relay until expiresAt {deadline:O} passed)" };
            AddDeadLetter(tried, recipients, expired, [], now, moves, reports);
            return;
        }
        var state = tried with
        {
            History = tried.HistoryWith(Entry(tried.Attempts, now, "returned", outcome)),
            Recipients = recipients,
        };
        moves.Add(new Move(Destination.WorkQueue, state));
        reports.Add(new Report.Returned(tried.Attempts, outcome, tried.SystemReturns, recipients));
    }

    private void AddRetry(AttemptState tried, RetryCause cause, IReadOnlyList<string> recipients, AttemptOutcome outcome, DateTimeOffset? expiresAt,
        DateTimeOffset now, double jitter, List<Move> moves, List<Report> reports)
    {
        if (policy.Retry.NextStep(cause, tried.LastRetryDelay) is not { } step)
        {
            var schedule = cause is RetryCause.Default or RetryCause.Greylisting ? "" : $" of {cause.Key()}";
            var giveUp = outcome with { Reason = $"{outcome.Reason} (gave up after the last retry tier{schedule}: {policy.Retry.Of(cause).Count} retries)" };
            AddDeadLetter(tried, recipients, giveUp, [], now, moves, reports);
            return;
        }
        // Jitter never makes a message expire: when its tier would land after expiresAt but the step's own would not, the step's own.
        var tier = policy.Retry.Jitter.Tier(step, jitter);
        if (expiresAt is { } deadline && now + tier > deadline && now + step <= deadline)
            tier = step;
        var nextAttemptAt = now + tier;
        if (expiresAt is { } expiry && nextAttemptAt > expiry)
        {
            var expired = outcome with
            {
                Class = OutcomeClass.Expired,
                Reason = $"{outcome.Reason} (the next retry at {nextAttemptAt:O} would come after expiresAt {expiry:O})",
            };
            AddDeadLetter(tried, recipients, expired, [], now, moves, reports);
            return;
        }
        // The header keeps the step, not the tier: the next retry continues after the step, wherever jitter put this one.
        var state = tried with
        {
            History = tried.HistoryWith(Entry(tried.Attempts, now, "deferred", outcome)),
            LastRetryDelay = step,
            Recipients = recipients,
        };
        moves.Add(new Move(Destination.RetryTier, state, Tier: tier));
        reports.Add(new Report.Deferred(tried.Attempts, outcome, nextAttemptAt, recipients));
    }

    private void AddReturn(AttemptState tried, IReadOnlyList<string> recipients, AttemptOutcome outcome, DateTimeOffset now,
        List<Move> moves, List<Report> reports)
    {
        var returns = tried.SystemReturns + 1;
        if (returns > policy.MaxSystemReturns)
        {
            var exhausted = outcome with { Reason = $"{outcome.Reason} (returned to the work queue {tried.SystemReturns} times for faults not its own)" };
            AddDeadLetter(tried, recipients, exhausted, [], now, moves, reports);
            return;
        }
        var state = tried with
        {
            History = tried.HistoryWith(Entry(tried.Attempts, now, "returned", outcome)),
            Recipients = recipients,
            SystemReturns = returns,
        };
        moves.Add(new Move(Destination.WorkQueue, state));
        reports.Add(new Report.Returned(tried.Attempts, outcome, returns, recipients));
    }

    private Plan DeadLetterOnly(AttemptState state, IReadOnlyList<string>? recipients, AttemptOutcome outcome,
        IReadOnlyList<ValidationError> errors, DateTimeOffset now)
    {
        var moves = new List<Move>();
        var reports = new List<Report>();
        AddDeadLetter(state, recipients, outcome, errors, now, moves, reports);
        return new Plan(moves, reports);
    }

    private void AddDeadLetter(AttemptState state, IReadOnlyList<string>? recipients, AttemptOutcome outcome,
        IReadOnlyList<ValidationError> errors, DateTimeOffset now, List<Move> moves, List<Report> reports)
    {
        var history = state.HistoryWith(Entry(state.Attempts, now, "dead-lettered", outcome));
        var failure = new FailureRecord(outcome.Class, outcome.Reason, outcome.SmtpCode, outcome.EnhancedCode,
            state.History.Count > 0 ? state.History[0].At : now, now);
        moves.Add(new Move(Destination.DeadLetter, state with { History = history, Recipients = recipients }, failure));
        reports.Add(new Report.DeadLettered(state.Attempts, failure, errors));
    }

    private HistoryEntry Entry(int attempt, DateTimeOffset at, string movedTo, AttemptOutcome outcome) =>
        new(attempt, at, movedTo, outcome.Class.Name(), outcome.SmtpCode, outcome.EnhancedCode,
            outcome.Reason, policy.Worker);

    /// <summary>The reason as it is recorded everywhere (history, events, logs): bounded, escaped, and marked when the relay may have the mail.</summary>
    private static AttemptOutcome Recorded(AttemptOutcome outcome) =>
        outcome with { Reason = SafeText.Bound(outcome.Reason) + (outcome.MaybeDelivered ? MaybeDeliveredMark : "") };

    public const string MaybeDeliveredMark = " (maybe delivered)";

    private static List<string> Recipients(IReadOnlyList<RecipientOutcome> outcomes, OutcomeClass outcomeClass) =>
        [.. outcomes.Where(o => o.Outcome.Class == outcomeClass).Select(o => o.Address)];
}
