using System.Diagnostics;
using EmailWorker.Configuration;
using EmailWorker.Contracts;
using EmailWorker.Delivery;
using EmailWorker.Diagnostics;
using EmailWorker.Outcomes;
using EmailWorker.Messages;
using EmailWorker.Broker;
using EmailWorker.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EmailWorker.Worker;

/// <summary>
/// Handles one delivery from the work queue: read → send attempt (Delivery) → classify (Outcomes) → plan (Routing) →
/// carry out. True when the source may be acked: its outcome is durable. Everything logged meanwhile carries the message's
/// id, correlation id and attempt (<see cref="Log.MessageScope"/>).
/// </summary>
internal sealed class MessageHandler(
    SendEmailReader reader,
    MimeMessageFactory mimeFactory,
    SmtpConnectionPool pool,
    RelayCircuitBreaker breaker,
    OutcomeClassifier classifier,
    FatePlanner planner,
    PlanExecutor executor,
    DeliveryLedger ledger,
    IOptions<SmtpOptions> smtpOptions,
    TimeProvider time,
    ILogger<MessageHandler> logger)
{
    /// <summary>How long a return to the queue may still take once the host has stopped waiting for in-flight messages.</summary>
    private static readonly TimeSpan ReturnGrace = TimeSpan.FromSeconds(5);
    private readonly OutcomeRunAlarm _relayFaults = OutcomeRunAlarm.RelayFaults();

    public async Task<bool> HandleAsync(IncomingMessage incoming, CancellationToken stopping)
    {
        var state = HeaderCodec.ReadState(incoming.Headers);
        var read = reader.Read(incoming.Body, incoming.Properties.ContentType);
        var command = read.Message;
        var messageId = command?.MessageId is { } id && SendEmailValidator.IsValidMessageId(id) ? id : SafeText.Bound(incoming.Properties.MessageId ?? "(unknown)", 200);
        var correlationId = command?.CorrelationId ?? incoming.Properties.CorrelationId;
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
        if (breaker.IsOpen)
            return await executor.CarryOutAsync(incoming, messageId, command, FatePlanner.NotTried(state), stopping);

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

        // Who has it already (or is in doubt and assumed to) is left out of the attempt.
        var findings = await ledger.LookUpAsync(command.MessageId, [.. mail.Recipients.Select(r => r.Address)]);
        if (findings is { Remaining.Count: 0 })
            return await executor.CarryOutAsync(incoming, messageId, command, FatePlanner.AlreadyDelivered(state, findings), stopping);
        if (findings is { Skips: true })
        {
            var remaining = findings.Remaining.ToHashSet(StringComparer.Ordinal);
            mail = mail with { Recipients = [.. mail.Recipients.Where(r => remaining.Contains(r.Address))] };
        }

        var (plan, interrupted, settlement) = await AttemptAsync(command, mail, state, findings, stopping);
        // Recorded before the source is acked: a redelivery from here on skips who got the 250.
        await ledger.SettleAsync(command.MessageId, settlement.Delivered, settlement.Reply, settlement.Released);
        if (!interrupted)
            return await executor.CarryOutAsync(incoming, messageId, command, plan, stopping);
        // The host stopped mid-attempt: the return (with the attempt recorded) still gets a moment of its own.
        using var grace = new CancellationTokenSource(ReturnGrace);
        return await executor.CarryOutAsync(incoming, messageId, command, plan, grace.Token);
    }

    private async Task<(Plan Plan, bool Interrupted, LedgerSettlement Settlement)> AttemptAsync(SendEmail command, OutgoingMail mail, AttemptState state,
        LedgerFindings? findings, CancellationToken stopping)
    {
        var recipients = mail.Recipients.Select(r => r.Address).ToArray();
        IReadOnlyList<RecipientOutcome> outcomes;
        var finalReply = "";
        // Claimed once a connection is ready, before MAIL FROM: a handler waiting for a connection has claimed nothing, so
        // a crash leaves in doubt only the transactions under way. Only a claim made is ever released.
        var claimed = false;
        Func<Task>? claim = ledger.Enabled ? async () => { await ledger.ClaimAsync(command.MessageId, recipients); claimed = true; } : null;
        LedgerSettlement Untried() => claimed ? LedgerSettlement.Untried(recipients) : LedgerSettlement.None;
        try
        {
            var report = await pool.SendAsync(mail.Message, mail.Sender, mail.Recipients, smtpOptions.Value.AttemptDeadlineValue, stopping, claim);
            finalReply = report.FinalReply;
            outcomes = PerRecipient(recipients, report.Refusals, AttemptOutcome.Delivered(finalReply));
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopped before a connection was taken: nothing was tried.
            return (Plan.GiveBack, false, Untried());
        }
        catch (AttemptInterruptedException interrupted)
        {
            var plan = planner.Interrupted(state, interrupted.AfterBodyStarted, time.GetUtcNow(), findings);
            return (plan, true, interrupted.AfterBodyStarted ? LedgerSettlement.None : Untried());
        }
        catch (NoRecipientsAcceptedException none)
        {
            outcomes = PerRecipient(recipients, none.Refusals, fallback: null);
        }
        catch (Exception ex)
        {
            var outcome = classifier.ClassifyException(ex);
            outcomes = [.. recipients.Select(r => new RecipientOutcome(r, outcome))];
        }

        // The outcome is recorded as of now: a retry tier's delay starts when the message is published to it.
        var attempted = planner.Attempted(state, outcomes, finalReply, command.ExpiresAt, time.GetUtcNow(), findings);
        var settlement = LedgerSettlement.Of(outcomes, finalReply);
        return (WithRelayFaults(attempted, outcomes), false, claimed ? settlement : settlement with { Released = [] });
    }

    /// <summary>Delivered to all but the refused; each refusal classified by its RCPT reply.</summary>
    private IReadOnlyList<RecipientOutcome> PerRecipient(string[] recipients, IReadOnlyList<RecipientRefusal> refusals, AttemptOutcome? fallback)
    {
        var refused = refusals.ToDictionary(r => r.Address, r => classifier.ClassifyReply(SmtpStage.RcptTo, r.StatusCode, r.Reply), StringComparer.OrdinalIgnoreCase);
        return [.. recipients.Select(address => new RecipientOutcome(address,
            refused.GetValueOrDefault(address) ?? fallback ?? new AttemptOutcome(OutcomeClass.Transient, "the relay accepted no recipient"))) ];
    }

    /// <summary>Feeds the relay-fault alarm and the breaker's delivery count; the same fault across messages opens the breaker.</summary>
    private Plan WithRelayFaults(Plan plan, IReadOnlyList<RecipientOutcome> outcomes)
    {
        var delivered = outcomes.FirstOrDefault(o => o.Outcome.Class == OutcomeClass.Delivered);
        if (delivered is not null)
        {
            breaker.RecordDelivery();
            _relayFaults.Record(delivered.Outcome);
            return plan;
        }
        var fault = outcomes.FirstOrDefault(o => o.Outcome.RelayFaultIfRepeated)?.Outcome;
        if (plan.TripBreaker is null && fault is not null && _relayFaults.Record(fault))
            return plan with { TripBreaker = $"{_relayFaults.Threshold} messages in a row failed the same way: {fault.Reason}" };
        return plan;
    }
}
