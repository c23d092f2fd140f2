using System.Diagnostics;
using EmailWorker.Configuration;
using EmailWorker.Contracts;
using EmailWorker.Delivery;
using EmailWorker.Delivery.Relays;
using EmailWorker.Diagnostics;
using EmailWorker.Outcomes;
using EmailWorker.Messages;
using EmailWorker.Routing;
using EmailWorker.Scheduling;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using EmailWorker.Smtp;

namespace EmailWorker.Worker;

/// <summary>
/// Handles one delivery from the work queue: read → send attempt (Delivery) → classify (Outcomes) → plan (Routing) →
/// carry out. True when the source may be acked: its outcome is durable. Everything logged meanwhile carries the message's
/// id, correlation id and attempt (<see cref="Log.MessageScope"/>).
/// </summary>
internal sealed class MessageHandler(
    SendEmailReader reader,
    MimeMessageFactory mimeFactory,
    RelayRegistry relays,
    RelayRouter router,
    OutcomeClassifier classifier,
    FatePlanner planner,
    PlanExecutor executor,
    DeliveryLedger ledger,
    SuppressionList suppressions,
    ScheduledHold scheduled,
    IOptions<SmtpOptions> smtpOptions,
    TimeProvider time,
    ILogger<MessageHandler> logger)
{
    /// <summary>The pause after a throttled send before the next, doubling up to <see cref="MaxThrottlePause"/>: the relay's gate paces the senders, this keeps one that is refused at connect from trying again at once.</summary>
    private static readonly TimeSpan FirstThrottlePause = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxThrottlePause = TimeSpan.FromSeconds(5);

    /// <summary>How long a return to the queue may still take once the host has stopped waiting for in-flight messages.</summary>
    private static readonly TimeSpan ReturnGrace = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a message whose route allows only relays that are down waits for one to come back while other relays
    /// work (the consumer keeps taking messages then) before it goes back to the work queue: without it, such messages
    /// would cycle through the queue as fast as the broker turns them.
    /// </summary>
    private static readonly TimeSpan RouteDownWait = TimeSpan.FromSeconds(2);

    /// <summary>The same fault across messages opens the breaker of the relay they failed at: one run per relay.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, OutcomeRunAlarm> _relayFaults = new(StringComparer.OrdinalIgnoreCase);

    public async Task<bool> HandleAsync(IncomingMessage incoming, CancellationToken stopping)
    {
        var state = HeaderCodec.ReadState(incoming.Headers);
        var read = reader.Read(incoming.Body, incoming.ContentType);
        var command = read.Message;
        var messageId = command?.MessageId is { } id && SendEmailValidator.IsValidMessageId(id) ? id : SafeText.Bound(incoming.MessageId ?? "(unknown)", 200);
        var correlationId = command?.CorrelationId ?? incoming.CorrelationId;
        using var scope = Log.MessageScope(logger, messageId, correlationId is null ? null : SafeText.Bound(correlationId, 200), state.Attempts + 1);
        if (Activity.Current is { IsAllDataRequested: true } span && span.Source == Telemetry.Source)
            span.SetTag(Telemetry.MessageId, messageId);
        try
        {
            return await HandleReadAsync(incoming, state, read, messageId, stopping);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A bug must not lose the message: requeue it; the work queue's delivery limit stops a poison loop.
            Log.HandlerFailed(logger, messageId, ex);
            return false;
        }
    }

    private async Task<bool> HandleReadAsync(IncomingMessage incoming, AttemptState state, ReadResult read, string messageId, CancellationToken stopping)
    {
        var command = read.Message;
        var now = time.GetUtcNow();

        if (read.Errors.Count > 0 || command is null)
            return await executor.CarryOutAsync(incoming, messageId, command, planner.Rejected(state, read.Errors, now), stopping);
        if (command.ExpiresAt is { } expiresAt && expiresAt <= now)
            return await executor.CarryOutAsync(incoming, messageId, command, planner.Expired(state, expiresAt, now), stopping);
        if (await ScheduledAsync(incoming, state, command, messageId, now, stopping) is { } held)
            return held;
        OutgoingMail mail;
        try
        {
            mail = mimeFactory.Create(command, state.Recipients);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Validation should have caught it; whatever slipped through is this message's fault, never a requeue loop.
            var mimeError = new ValidationError(ValidationCodes.InvalidMime, "body", $"the MIME message could not be built: {ex.Message}");
            return await executor.CarryOutAsync(incoming, messageId, command, planner.Rejected(state, [mimeError], now), stopping);
        }
        if (mail.Recipients.Count == 0)
        {
            var nobody = new ValidationError(ValidationCodes.MissingRecipient, HeaderNames.RemainingRecipients, "no recipient of the message is left to send to");
            return await executor.CarryOutAsync(incoming, messageId, command, planner.Rejected(state, [nobody], now), stopping);
        }

        // Who is on the suppression list is not sent to: reported at once, the others still go.
        var suppression = await suppressions.LookUpAsync(messageId, [.. mail.Recipients.Select(r => r.Address)], command.Stream);
        if (suppression is { Remaining.Count: 0 })
            return await executor.CarryOutAsync(incoming, messageId, command, FatePlanner.AllSuppressed(state, suppression), stopping);
        if (suppression is { Skips: true })
        {
            var allowed = suppression.Remaining.ToHashSet(StringComparer.Ordinal);
            mail = mail with { Recipients = [.. mail.Recipients.Where(r => allowed.Contains(r.Address))] };
        }

        // Who has it already (or is in doubt and assumed to) is left out of the attempt. A copy seen for the first time is
        // not looked up: its claim finds any row there is (LedgerClaims).
        var lookedUp = DeliveryLedger.MayHaveRows(incoming, state);
        var findings = lookedUp ? await ledger.LookUpAsync(command.MessageId, [.. mail.Recipients.Select(r => r.Address)]) : null;
        if (findings is { Remaining.Count: 0 })
            return await executor.CarryOutAsync(incoming, messageId, command, FatePlanner.AlreadyDelivered(state, findings, suppression), stopping);
        if (findings is { Skips: true })
        {
            var remaining = findings.Remaining.ToHashSet(StringComparer.Ordinal);
            mail = mail with { Recipients = [.. mail.Recipients.Where(r => remaining.Contains(r.Address))] };
        }

        // Every relay the message may go to is down: back to the work queue as it came, nothing counted (as with one relay).
        var route = router.RouteFor(command.Relay, mail.Sender.Address, command.Tags);
        if ((relays.Choose(route) ?? await RecoveredInTimeAsync(route, stopping)) is not { } first)
            return await executor.CarryOutAsync(incoming, messageId, command, FatePlanner.NotTried(state), stopping);

        var claims = new LedgerClaims(ledger, command.MessageId, findings, lookedUp);
        Plan plan;
        bool interrupted;
        Relay relay;
        try
        {
            (plan, interrupted, relay) = await AttemptAsync(command, mail, route, first, state, messageId, findings, suppression, claims, stopping);
        }
        finally
        {
            // Durable before the source is acked or given back (both wait for it): a redelivery from then on skips who
            // got the 250 — also when the attempt ended in a bug after a 250.
            claims.Settle();
        }
        if (!interrupted)
            return await executor.CarryOutAsync(incoming, messageId, command, plan, stopping, relay);
        // The host stopped mid-attempt: the return (with the attempt recorded) still gets a moment of its own.
        using var grace = new CancellationTokenSource(ReturnGrace);
        return await executor.CarryOutAsync(incoming, messageId, command, plan, grace.Token, relay);
    }

    /// <summary>
    /// Never before <c>sendAt</c>: a message due later is held in the store (acked once that committed), or waits here when
    /// due within moments; null when it is due, to be sent now.
    /// </summary>
    private async Task<bool?> ScheduledAsync(IncomingMessage incoming, AttemptState state, SendEmail command, string messageId, DateTimeOffset now,
        CancellationToken stopping)
    {
        switch (scheduled.Rule.Judge(command.SendAt, now))
        {
            case SendAtVerdict.BeyondHorizon:
                var far = new ValidationError(ValidationCodes.SendAtBeyondHorizon, "sendAt",
                    $"{command.SendAt:O} is more than {scheduled.Rule.Horizon.TotalDays:0.##} days ahead (Scheduled:Horizon)");
                return await executor.CarryOutAsync(incoming, messageId, command, planner.Rejected(state, [far], now), stopping);
            case SendAtVerdict.Hold:
                // The store could not take it: back to the tail of the work queue as it came, nothing counted.
                return await scheduled.HoldAsync(incoming, command.MessageId, command.SendAt!.Value, stopping)
                    || await executor.CarryOutAsync(incoming, messageId, command, FatePlanner.NotTried(state), stopping);
            case SendAtVerdict.WaitInMemory when !await scheduled.WaitUntilAsync(command.SendAt!.Value, stopping):
                return await executor.CarryOutAsync(incoming, messageId, command, Plan.GiveBack, stopping);
            default:
                return null;
        }
    }

    /// <summary>
    /// The relay of <paramref name="route"/> that came back within <see cref="RouteDownWait"/>, or null. Not waited for
    /// while every relay is down: the consumer pauses then, and the message goes back at once, as with one relay.
    /// </summary>
    private async Task<Relay?> RecoveredInTimeAsync(RelayRoute route, CancellationToken stopping)
    {
        var deadline = time.GetUtcNow() + RouteDownWait;
        while (!relays.AllDown && time.GetUtcNow() < deadline)
        {
            try
            {
                await relays.WaitForRecoveryAsync(deadline - time.GetUtcNow(), time, stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return null;
            }
            if (relays.Choose(route) is { } recovered)
                return recovered;
        }
        return null;
    }

    /// <summary>
    /// Sends to the recipients still owed; while the relay throttles, the delivery stays unacked and waits in memory for
    /// the relay's gate to grant capacity, then sends again to those it throttled — no retry spent, no requeue (a quorum
    /// queue counts a requeue toward its delivery limit). Bounded by <c>Smtp:Adaptive:MaxThrottleWait</c>,
    /// <c>MaxThrottledAttempts</c> and <c>expiresAt</c>; then the planner returns the throttled recipients to the work queue.
    /// The first send goes to <paramref name="relay"/>; returned is the relay of the last send (whose breaker a plan may open).
    /// </summary>
    private async Task<(Plan Plan, bool Interrupted, Relay Relay)> AttemptAsync(SendEmail command, OutgoingMail mail, RelayRoute route, Relay relay,
        AttemptState state, string messageId, LedgerFindings? findings, SuppressionFindings? suppression, LedgerClaims claims, CancellationToken stopping)
    {
        var adaptive = smtpOptions.Value.Adaptive;
        var owed = mail.Recipients;
        var settled = new List<RecipientOutcome>();
        var finalReply = "";
        var waitStarted = time.GetTimestamp();
        // Chosen again before every further send: a throttled message goes to another relay its route allows once this
        // one throttles hard.
        for (var sends = 1; ; sends++)
        {
            var (outcomes, reply, stopped) = await SendOnceAsync(relay, mail, owed, state, sends, sends == 1 ? findings : null, suppression, claims, stopping);
            claims.Settled(outcomes, reply);
            if (stopped is not null)
                return (stopped, !stopped.Requeue, relay);
            if (reply.Length > 0)
                finalReply = reply;
            var throttled = outcomes.Where(o => o.Outcome.Class == OutcomeClass.Throttled).ToList();
            settled.AddRange(outcomes.Where(o => o.Outcome.Class != OutcomeClass.Throttled));
            if (throttled.Count > 0)
                relay.Pool.Throttled(ThrottlingReply.Signal(throttled[0].Outcome));
            var waited = time.GetElapsedTime(waitStarted);
            var expired = command.ExpiresAt is { } expiresAt && expiresAt <= time.GetUtcNow();
            if (throttled.Count > 0 && (sends >= adaptive.MaxThrottledAttempts || waited >= adaptive.MaxThrottleWaitValue || expired))
                Log.ThrottledTooLong(logger, messageId, sends, waited);
            // Every relay of its route went down meanwhile: the throttled go back to the work queue (no retry spent).
            else if (throttled.Count > 0 && await PausedAsync(sends, stopping) && relays.Choose(route) is { } next)
            {
                relay = next;
                owed = [.. owed.Where(r => throttled.Exists(t => string.Equals(t.Address, r.Address, StringComparison.OrdinalIgnoreCase)))];
                continue;
            }
            settled.AddRange(throttled);
            // Added before the source is acked: the next message to a mailbox that does not exist is not sent.
            await suppressions.AddHardBouncesAsync(command.MessageId, settled);
            await suppressions.CountSoftFailuresAsync(command.MessageId, state.Attempts, settled, suppression);
            // The outcome is recorded as of now: a retry tier's delay starts when the message is published to it.
            var plan = planner.Attempted(state, settled, finalReply, command.ExpiresAt, time.GetUtcNow(), sends, findings, Random.Shared.NextDouble(), suppression);
            // Stopped while throttled: the return still gets its moment (as an interrupted attempt does).
            return (WithRelayFaults(plan, settled, relay), stopping.IsCancellationRequested, relay);
        }
    }

    /// <summary>The pause after the <paramref name="sends"/>-th throttled send; false when the host stopped meanwhile.</summary>
    private async Task<bool> PausedAsync(int sends, CancellationToken stopping)
    {
        var pause = TimeSpan.FromTicks(Math.Min(FirstThrottlePause.Ticks << Math.Min(sends - 1, 16), MaxThrottlePause.Ticks));
        try
        {
            await Task.Delay(pause, time, stopping);
            return true;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>
    /// One send to <paramref name="recipients"/>: their outcomes and the relay's final reply, or the plan for a stop —
    /// given back untouched when nothing was tried yet, else returned with the attempt recorded for the recipients still owed.
    /// </summary>
    private async Task<(IReadOnlyList<RecipientOutcome> Outcomes, string FinalReply, Plan? Stopped)> SendOnceAsync(Relay relay, OutgoingMail mail,
        IReadOnlyList<MimeKit.MailboxAddress> recipients, AttemptState state, int send, LedgerFindings? findings, SuppressionFindings? suppression,
        LedgerClaims claims, CancellationToken stopping)
    {
        var addresses = recipients.Select(r => r.Address).ToArray();
        // After a throttled send the recipients already settled must not be sent to again by a return.
        var owedState = send == 1 ? state : state with { Recipients = addresses };
        try
        {
            // Claimed once a connection is ready, before MAIL FROM: a handler waiting for one has claimed nothing.
            var report = await relay.Pool.SendAsync(mail.Message, mail.Sender, recipients, smtpOptions.Value.AttemptDeadlineValue, stopping,
                claims.Enabled ? () => claims.ClaimAsync(addresses) : null);
            // The ledger holds rows of another copy: nothing was sent, and the message goes back as it came to be looked
            // up (what earlier sends of this delivery took is recorded before the give-back).
            if (report is null)
                return ([], "", Plan.GiveBack);
            return (PerRecipient(addresses, report.Refusals, AttemptOutcome.Delivered(report.FinalReply)), report.FinalReply, null);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopped before a connection was taken: nothing was tried (in this send).
            claims.Untried(addresses);
            return ([], "", send == 1 ? Plan.GiveBack : planner.Interrupted(owedState, maybeDelivered: false, time.GetUtcNow(), findings, suppression));
        }
        catch (AttemptInterruptedException interrupted)
        {
            if (interrupted.AfterBodyStarted)
                claims.MaybeDelivered(addresses);
            else
                claims.Untried(addresses);
            return ([], "", planner.Interrupted(owedState, interrupted.AfterBodyStarted, time.GetUtcNow(), findings, suppression));
        }
        catch (NoRecipientsAcceptedException none)
        {
            return (PerRecipient(addresses, none.Refusals, fallback: null), "", null);
        }
        catch (Exception ex)
        {
            var outcome = classifier.ClassifyException(ex);
            return ([.. addresses.Select(r => new RecipientOutcome(r, outcome))], "", null);
        }
    }

    /// <summary>Delivered to all but the refused; each refusal classified by its RCPT reply.</summary>
    private IReadOnlyList<RecipientOutcome> PerRecipient(string[] recipients, IReadOnlyList<RecipientRefusal> refusals, AttemptOutcome? fallback)
    {
        var refused = refusals.ToDictionary(r => r.Address, r => classifier.ClassifyReply(SmtpStage.RcptTo, r.StatusCode, r.Reply), StringComparer.OrdinalIgnoreCase);
        return [.. recipients.Select(address => new RecipientOutcome(address,
            refused.GetValueOrDefault(address) ?? fallback ?? new AttemptOutcome(OutcomeClass.Transient, "the relay accepted no recipient"))) ];
    }

    /// <summary>
    /// Feeds the relay's fault alarm and its breaker's delivery count; the same fault across messages at one relay opens
    /// that relay's breaker.
    /// </summary>
    private Plan WithRelayFaults(Plan plan, IReadOnlyList<RecipientOutcome> outcomes, Relay relay)
    {
        var faults = _relayFaults.GetOrAdd(relay.Name, _ => OutcomeRunAlarm.RelayFaults());
        var delivered = outcomes.FirstOrDefault(o => o.Outcome.Class == OutcomeClass.Delivered);
        if (delivered is not null)
        {
            relay.Breaker.RecordDelivery();
            faults.Record(delivered.Outcome);
            return plan;
        }
        var fault = outcomes.FirstOrDefault(o => o.Outcome.RelayFaultIfRepeated)?.Outcome;
        if (plan.TripBreaker is null && fault is not null && faults.Record(fault))
            return plan with { TripBreaker = $"{faults.Threshold} messages in a row failed the same way: {fault.Reason}" };
        return plan;
    }
}
