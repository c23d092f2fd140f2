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
    OutcomeClassifier classifier,
    RetryPlanner retryPlanner,
    MessageMover mover,
    OutcomeReporter reporter,
    IOptions<SmtpOptions> smtpOptions,
    TimeProvider time,
    ILogger<DeliveryHandler> logger)
{
    private static readonly string WorkerName = $"{Environment.MachineName}/{Environment.ProcessId}";
    private const int MoveAttempts = 4;
    private static readonly TimeSpan MoveRetryPause = TimeSpan.FromSeconds(1);

    public async Task<HandlingDecision> HandleAsync(IncomingMessage incoming, CancellationToken stopping)
    {
        var state = DeliveryState.FromHeaders(incoming.Properties.Headers);
        var read = reader.Read(incoming.Body, incoming.Properties.ContentType);
        var now = time.GetUtcNow();

        if (read.Errors.Count > 0 || read.Message is null)
        {
            var messageId = read.Message?.MessageId is { Length: > 0 } id ? id : incoming.Properties.MessageId ?? "(unknown)";
            var invalid = new AttemptOutcome(OutcomeClass.Invalid, string.Join("; ", read.Errors));
            return await DeadLetterAsync(incoming, messageId, read.Message, state, invalid, now, read.Errors, null, stopping);
        }
        var command = read.Message;
        if (command.ExpiresAt is { } expiresAt && expiresAt <= now)
        {
            var expired = new AttemptOutcome(OutcomeClass.Expired, $"{ValidationCodes.Expired}: expiresAt {expiresAt:O} has passed");
            return await DeadLetterAsync(incoming, command.MessageId, command, state, expired, now, [], state.RemainingRecipients, stopping);
        }
        if (breaker.IsOpen)
            return await ReturnToQueueAsync(incoming, stopping);

        var mail = mimeFactory.Create(command, state.RemainingRecipients);
        var recipients = mail.Recipients.Select(r => r.Address).ToArray();
        if (recipients.Length == 0)
        {
            // email-remaining-recipients names nobody the command addresses: there is no one left to send to.
            var nobody = new AttemptOutcome(OutcomeClass.Invalid, $"{ValidationCodes.MissingRecipient} at {Headers.RemainingRecipients}: no recipient of the message is left to send to");
            return await DeadLetterAsync(incoming, command.MessageId, command, state, nobody, now, [], null, stopping);
        }
        RecipientOutcomes outcomes;
        string finalReply = "";
        try
        {
            var report = await pool.SendAsync(mail.Message, mail.Sender, mail.Recipients, smtpOptions.Value.AttemptDeadlineValue, stopping);
            finalReply = report.FinalReply;
            outcomes = RecipientOutcomes.FromReport(recipients, report.Refusals, classifier.ClassifyReply);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return HandlingDecision.Requeue;
        }
        catch (Exception ex)
        {
            var outcome = classifier.ClassifyException(ex);
            if (outcome.Class == OutcomeClass.System)
            {
                // Not the message's fault: no attempt is counted and the message goes back to the queue.
                breaker.Trip(outcome.Reason);
                return await ReturnToQueueAsync(incoming, stopping);
            }
            outcomes = ex is NoRecipientsAcceptedException none
                ? RecipientOutcomes.FromReport(recipients, none.Refusals, classifier.ClassifyReply)
                : RecipientOutcomes.Whole(recipients, outcome);
        }
        // The outcome is recorded as of now: a retry tier's delay starts when the message is published to it.
        return await RecordAsync(incoming, command, state, outcomes, finalReply, time.GetUtcNow(), stopping);
    }

    private async Task<HandlingDecision> RecordAsync(IncomingMessage incoming, SendEmail command, DeliveryState state,
        RecipientOutcomes outcomes, string finalReply, DateTimeOffset now, CancellationToken stopping)
    {
        var attempt = state.Attempts + 1;
        if (outcomes.Delivered.Count > 0)
            reporter.Delivered(command, attempt, outcomes.Delivered, finalReply);
        foreach (var (address, outcome) in outcomes.Permanent)
            reporter.RecipientRefused(command, attempt, address, outcome);

        // Recipients refused for good end in the dead-letter queue, addressed to them alone, so a replay reaches only them.
        if (outcomes.Permanent.Count > 0)
        {
            var refused = outcomes.Permanent.Select(p => p.Address).ToArray();
            var decision = await DeadLetterAsync(incoming, command.MessageId, command, state, outcomes.Permanent[0].Outcome, now, [], refused, stopping);
            if (decision != HandlingDecision.Ack || outcomes.Transient.Count == 0)
                return decision;
        }
        if (outcomes.Transient.Count == 0)
            return HandlingDecision.Ack;

        var remaining = outcomes.Transient.Select(t => t.Address).ToArray();
        var first = outcomes.Transient[0].Outcome;
        var retry = retryPlanner.Plan(state.LastTier, first.Greylisted, command.ExpiresAt, now);
        if (!retry.Retries)
        {
            var giveUp = first with { Class = retry.GiveUpClass, Reason = $"{first.Reason} ({retry.GiveUpReason})" };
            return await DeadLetterAsync(incoming, command.MessageId, command, state, giveUp, now, [], remaining, stopping);
        }

        var history = state.HistoryWith(Entry(attempt, now, "deferred", first));
        if (!await MoveAsync(() => mover.ToRetryAsync(incoming, retry.TierIndex!.Value, attempt, state.FirstAttemptAt ?? now, history, remaining, stopping),
                command.MessageId, "retry", stopping))
            return HandlingDecision.Requeue;
        reporter.Deferred(command, attempt, first, retry.NextAttemptAt!.Value, remaining);
        return HandlingDecision.Ack;
    }

    /// <summary>Back to the work queue without an attempt counted and without using up the delivery limit.</summary>
    private async Task<HandlingDecision> ReturnToQueueAsync(IncomingMessage incoming, CancellationToken stopping)
    {
        try
        {
            await mover.ToWorkQueueAsync(incoming, stopping);
            return HandlingDecision.Ack;
        }
        catch (Exception)
        {
            // The republish failed or was cut short by shutdown: a plain requeue still keeps the message.
            return HandlingDecision.Requeue;
        }
    }

    /// <summary>
    /// Publishes a move, trying again with growing pauses while the broker refuses or does not confirm it. Holding the
    /// message meanwhile matters: after a partial delivery a requeue would send the mail again to the recipients who
    /// already have it, and a tight requeue loop would burn the delivery limit. False when every try failed (or the worker
    /// is stopping): the source then goes back to the work queue, never lost.
    /// </summary>
    private async Task<bool> MoveAsync(Func<Task> move, string messageId, string destination, CancellationToken stopping)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await move();
                return true;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
            {
                Log.MoveFailed(logger, messageId, destination, ex.Message);
                if (attempt == MoveAttempts)
                    return false;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
            try
            {
                await Task.Delay(MoveRetryPause * attempt, time, stopping);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
    }

    private async Task<HandlingDecision> DeadLetterAsync(IncomingMessage incoming, string messageId, SendEmail? command, DeliveryState state,
        AttemptOutcome outcome, DateTimeOffset now, IReadOnlyList<ValidationError> errors, IReadOnlyList<string>? recipients, CancellationToken stopping)
    {
        // Invalid and expired messages were not tried now: they add a history entry but no attempt.
        var tried = outcome.Class is not (OutcomeClass.Invalid or OutcomeClass.Expired);
        var attempts = state.Attempts + (tried ? 1 : 0);
        var history = state.HistoryWith(Entry(attempts, now, "dead-lettered", outcome));
        var record = new FailureRecord(outcome.Class, outcome.Reason, outcome.SmtpCode, outcome.EnhancedCode, attempts,
            state.History.FirstOrDefault()?.At ?? now, now, history);
        if (!await MoveAsync(() => mover.ToDeadLetterAsync(incoming, record, recipients, stopping), messageId, "dead-letter", stopping))
            return HandlingDecision.Requeue;
        reporter.DeadLettered(messageId, command, record, errors);
        return HandlingDecision.Ack;
    }

    private static HistoryEntry Entry(int attempt, DateTimeOffset at, string outcome, AttemptOutcome result) =>
        new(attempt, at, outcome, MessageMover.ClassName(result.Class), result.SmtpCode, result.EnhancedCode,
            result.MaybeDelivered ? $"{result.Reason} (maybe delivered)" : result.Reason, WorkerName);
}
