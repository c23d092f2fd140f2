using EmailWorker.Configuration;
using EmailWorker.Contracts;
using EmailWorker.Outcomes;
using EmailWorker.Smtp;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EmailWorker.Delivery;

/// <summary>
/// Handles one delivery from the work queue end to end: read and validate, check expiry, send over the pool, classify, and
/// record the outcome durably (delivered, retry tier or dead-letter queue) before the source may be acked.
/// </summary>
internal sealed class DeliveryHandler(
    SendEmailReader reader,
    MimeMessageFactory mimeFactory,
    SmtpConnectionPool pool,
    RelayCircuitBreaker breaker,
    RetryPlanner retryPlanner,
    MessageMover mover,
    IOptions<SmtpOptions> smtpOptions,
    TimeProvider time,
    ILogger<DeliveryHandler> logger)
{
    private static readonly string WorkerName = $"{Environment.MachineName}/{Environment.ProcessId}";

    public async Task<HandlingDecision> HandleAsync(IncomingMessage incoming, CancellationToken stopping)
    {
        var state = DeliveryState.FromHeaders(incoming.Properties.Headers);
        var read = reader.Read(incoming.Body, incoming.Properties.ContentType);
        var messageId = read.Message?.MessageId ?? incoming.Properties.MessageId ?? "(unknown)";
        var now = time.GetUtcNow();

        if (read.Errors.Count > 0 || read.Message is null)
        {
            var reason = string.Join("; ", read.Errors);
            return await DeadLetterAsync(incoming, messageId, state, new AttemptOutcome(OutcomeClass.Invalid, reason), now, stopping);
        }
        var command = read.Message;
        if (command.ExpiresAt is { } expiresAt && expiresAt <= now)
        {
            var outcome = new AttemptOutcome(OutcomeClass.Expired, $"{ValidationCodes.Expired}: expiresAt {expiresAt:O} has passed");
            return await DeadLetterAsync(incoming, messageId, state, outcome, now, stopping);
        }
        if (breaker.IsOpen)
            return HandlingDecision.Requeue;

        var mail = mimeFactory.Create(command, state.RemainingRecipients);
        var recipients = mail.Recipients.Select(r => r.Address).ToArray();
        RecipientOutcomes outcomes;
        try
        {
            var report = await SendWithDeadlineAsync(mail, stopping);
            outcomes = RecipientOutcomes.FromReport(recipients, report.Refusals);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return HandlingDecision.Requeue;
        }
        catch (Exception ex)
        {
            var outcome = ExceptionClassifier.Classify(ex);
            if (outcome.Class == OutcomeClass.System)
            {
                // Not the message's fault: no attempt is counted and the message goes back to the queue.
                breaker.Trip(outcome.Reason);
                return HandlingDecision.Requeue;
            }
            outcomes = ex is NoRecipientsAcceptedException none
                ? RecipientOutcomes.FromReport(recipients, none.Refusals)
                : RecipientOutcomes.Whole(recipients, outcome);
        }
        return await RecordAsync(incoming, command, state, outcomes, now, stopping);
    }

    private async Task<SendReport> SendWithDeadlineAsync(OutgoingMail mail, CancellationToken stopping)
    {
        var deadline = smtpOptions.Value.AttemptDeadlineValue;
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        attempt.CancelAfter(deadline);
        try
        {
            return await pool.SendAsync(mail.Message, mail.Sender, mail.Recipients, attempt.Token);
        }
        catch (OperationCanceledException) when (attempt.IsCancellationRequested && !stopping.IsCancellationRequested)
        {
            throw new AttemptDeadlineExceededException(deadline);
        }
    }

    private async Task<HandlingDecision> RecordAsync(IncomingMessage incoming, SendEmail command, DeliveryState state,
        RecipientOutcomes outcomes, DateTimeOffset now, CancellationToken stopping)
    {
        var attempt = state.Attempts + 1;
        foreach (var (address, outcome) in outcomes.Permanent)
            Log.RecipientRefused(logger, command.MessageId, attempt, outcome.SmtpCode, outcome.EnhancedCode, outcome.Reason, address);

        if (outcomes.Transient.Count == 0 && outcomes.Permanent.Count == 0)
        {
            Log.Delivered(logger, command.MessageId, attempt, outcomes.Delivered.Count);
            return HandlingDecision.Ack;
        }
        if (outcomes.Transient.Count == 0)
        {
            // Every recipient not delivered was refused for good.
            return await DeadLetterAsync(incoming, command.MessageId, state, outcomes.Permanent[0].Outcome, now, stopping);
        }

        var first = outcomes.Transient[0].Outcome;
        var decision = retryPlanner.Plan(state.LastTier, first.Greylisted, command.ExpiresAt, now);
        if (!decision.Retries)
        {
            var giveUp = first with { Class = decision.GiveUpClass, Reason = $"{first.Reason} ({decision.GiveUpReason})" };
            return await DeadLetterAsync(incoming, command.MessageId, state, giveUp, now, stopping);
        }

        var history = state.HistoryWith(Entry(attempt, now, "deferred", first));
        var remaining = outcomes.Transient.Select(t => t.Address).ToArray();
        try
        {
            await mover.ToRetryAsync(incoming, decision.TierIndex!.Value, attempt, state.FirstAttemptAt ?? now, history, remaining, stopping);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            Log.MoveFailed(logger, command.MessageId, "retry", ex.Message);
            return HandlingDecision.Requeue;
        }
        Log.Deferred(logger, command.MessageId, attempt, first.SmtpCode, first.EnhancedCode, first.Reason, decision.NextAttemptAt!.Value, remaining.Length);
        return HandlingDecision.Ack;
    }

    private async Task<HandlingDecision> DeadLetterAsync(IncomingMessage incoming, string messageId, DeliveryState state,
        AttemptOutcome outcome, DateTimeOffset now, CancellationToken stopping)
    {
        var attempt = state.Attempts + (outcome.Class is OutcomeClass.Invalid or OutcomeClass.Expired ? 0 : 1);
        var history = state.HistoryWith(Entry(Math.Max(attempt, 1), now, "dead-lettered", outcome));
        var record = new FailureRecord(outcome.Class, outcome.Reason, outcome.SmtpCode, outcome.EnhancedCode, attempt,
            state.History.FirstOrDefault()?.At ?? now, now, history);
        try
        {
            await mover.ToDeadLetterAsync(incoming, record, stopping);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            Log.MoveFailed(logger, messageId, "dead-letter", ex.Message);
            return HandlingDecision.Requeue;
        }
        Log.DeadLettered(logger, messageId, MessageMover.ClassName(record.Class), record.Reason, record.SmtpCode, record.EnhancedCode,
            record.Attempts, record.FirstFailureAt, record.LastFailureAt);
        return HandlingDecision.Ack;
    }

    private static HistoryEntry Entry(int attempt, DateTimeOffset at, string outcome, AttemptOutcome result) =>
        new(attempt, at, outcome, MessageMover.ClassName(result.Class), result.SmtpCode, result.EnhancedCode,
            result.MaybeDelivered ? $"{result.Reason} (maybe delivered)" : result.Reason, WorkerName);
}
