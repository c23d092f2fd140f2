using EmailWorker.Contracts;
using EmailWorker.Contracts.Events;
using EmailWorker.Delivery.Suppression;
using EmailWorker.Diagnostics;
using EmailWorker.Messages;
using EmailWorker.Outcomes;
using EmailWorker.Routing;
using Microsoft.Extensions.Logging;

namespace EmailWorker.Broker;

/// <summary>
/// Tells the world what became of a message once its plan's moves are durable: one structured log event, (for every
/// outcome but a return to the queue) one status event, one count in <c>emailworker.messages</c> and one event on the
/// message's span per report. IDs, codes and classes only — never bodies or credentials. This is the one place outcomes
/// are counted: a report is made exactly once, after its moves are confirmed.
/// </summary>
internal sealed class OutcomeReporter(StatusEventPublisher events, WorkerMetrics metrics, TimeProvider time, ILogger<OutcomeReporter> logger)
{
    private readonly OutcomeRunAlarm _policyAlarm = OutcomeRunAlarm.PolicyRejections();

    public void Report(IncomingMessage source, string messageId, SendEmail? command, IReadOnlyList<Report> reports)
    {
        foreach (var report in reports)
        {
            switch (report)
            {
                case Routing.Report.Delivered delivered:
                    Delivered(source, messageId, command, delivered);
                    break;
                case Routing.Report.RecipientRefused refused:
                    Log.RecipientRefused(logger, messageId, refused.Attempt, refused.Outcome.SmtpCode, refused.Outcome.EnhancedCode, refused.Outcome.Reason, refused.Recipient);
                    break;
                case Routing.Report.Deferred deferred:
                    Log.Deferred(logger, messageId, deferred.Attempt, deferred.Outcome.SmtpCode, deferred.Outcome.EnhancedCode, deferred.Outcome.Reason,
                        deferred.NextAttemptAt, deferred.Recipients.Count);
                    events.Publish(Fill(new EmailDeferred { NextAttemptAt = deferred.NextAttemptAt, Recipients = deferred.Recipients },
                        messageId, command, deferred.Attempt, "deferred", deferred.Outcome));
                    Count(OutcomeNames.Deferred, deferred.Outcome.Class, deferred.Attempt);
                    break;
                case Routing.Report.DeadLettered dead:
                    DeadLettered(messageId, command, dead);
                    break;
                case Routing.Report.DeliveredBefore before:
                    Log.DeliveredBefore(logger, messageId, before.Recipients.Count);
                    events.Publish(Fill(new EmailDelivered { Recipients = before.Recipients, DeliveredBefore = true }, messageId, command, before.Attempt,
                        "delivered", AttemptOutcome.Delivered("delivered before: the delivered ledger holds the relay's 250")));
                    metrics.LedgerRecipients(OutcomeNames.DeliveredBefore, before.Recipients.Count);
                    break;
                case Routing.Report.InDoubt inDoubt:
                    InDoubt(messageId, command, inDoubt);
                    break;
                case Routing.Report.Suppressed suppressed:
                    Suppressed(messageId, command, suppressed);
                    break;
                case Routing.Report.Returned returned:
                    Log.Returned(logger, messageId, returned.Attempt, returned.Outcome.Reason, returned.SystemReturns, returned.Recipients.Count);
                    Count(OutcomeNames.Returned, returned.Outcome.Class, returned.Attempt);
                    break;
            }
        }
    }

    private void Delivered(IncomingMessage source, string messageId, SendEmail? command, Routing.Report.Delivered delivered)
    {
        var outcome = AttemptOutcome.Delivered(delivered.Reply);
        _policyAlarm.Record(outcome);
        Log.Delivered(logger, messageId, delivered.Attempt, delivered.Recipients.Count);
        events.Publish(Fill(new EmailDelivered { Recipients = delivered.Recipients }, messageId, command, delivered.Attempt, "delivered", outcome));
        Count(OutcomeNames.Delivered, OutcomeClass.Delivered, delivered.Attempt);
        // The producer's timestamp when it set a readable one in the past; else the first attempt, which leaves out the time
        // queued before it. (A clock ahead of ours must not make a negative age.)
        var now = time.GetUtcNow();
        var since = source.PublishedAt is { } published && published <= now ? published : delivered.FirstAttemptAt;
        metrics.Delivered(now - since, delivered.Attempt);
    }

    private void InDoubt(string messageId, SendEmail? command, Routing.Report.InDoubt inDoubt)
    {
        var (resolution, outcome, counted) = inDoubt.AssumedDelivered
            ? ("assumed-delivered", new AttemptOutcome(OutcomeClass.Delivered, "in doubt: claimed, no reply recorded; assumed delivered (Delivery:InDoubt)"),
                OutcomeNames.InDoubtAssumedDelivered)
            : ("resent", new AttemptOutcome(OutcomeClass.System, "in doubt: claimed, no reply recorded; sent again (Delivery:InDoubt)"),
                OutcomeNames.InDoubtResent);
        Log.InDoubt(logger, messageId, inDoubt.Recipients.Count, resolution);
        events.Publish(Fill(new EmailInDoubt { Recipients = inDoubt.Recipients, Resolution = resolution }, messageId, command, inDoubt.Attempt,
            "in_doubt", outcome));
        metrics.LedgerRecipients(counted, inDoubt.Recipients.Count);
    }

    private void Suppressed(string messageId, SendEmail? command, Routing.Report.Suppressed suppressed)
    {
        var recipient = suppressed.Recipient;
        // The key is an address or a domain: personal data stays out of the log (the status event names the recipient, as others do).
        // The scope is global or the message's stream, a validated name ([a-z0-9._-]): safe to log as it is.
        Log.Suppressed(logger, messageId, recipient.Reason, recipient.Key.StartsWith(SuppressionKey.DomainPrefix, StringComparison.Ordinal) ? "domain" : "address",
            recipient.Scope);
        var outcome = new AttemptOutcome(OutcomeClass.Permanent, $"suppressed: the suppression list holds {recipient.Key} ({recipient.Reason}, scope {recipient.Scope})");
        events.Publish(Fill(new EmailSuppressed { Recipient = recipient.Address, Reason = recipient.Reason, SuppressedBy = recipient.Key, Scope = recipient.Scope },
            messageId, command, suppressed.Attempt, OutcomeNames.Suppressed, outcome));
        metrics.SuppressionMatched(recipient.Scope == SuppressionReasons.Global ? SuppressionReasons.Global : "stream");
        Count(OutcomeNames.Suppressed, OutcomeClass.Permanent, suppressed.Attempt);
    }

    private void Count(string outcomeName, OutcomeClass outcomeClass, int attempt)
    {
        metrics.Outcome(outcomeName, outcomeClass.Name());
        OutcomeEvent.Add(outcomeName, outcomeClass.Name(), attempt);
    }

    private void DeadLettered(string messageId, SendEmail? command, Routing.Report.DeadLettered dead)
    {
        var record = dead.Failure;
        Log.DeadLettered(logger, messageId, OutcomeClassNames.Name(record.Class), record.Reason, record.SmtpCode, record.EnhancedCode,
            dead.Attempt, record.FirstFailureAt, record.LastFailureAt);
        var outcome = new AttemptOutcome(record.Class, record.Reason, record.SmtpCode, record.EnhancedCode);
        if (_policyAlarm.Record(outcome))
            Log.PolicyRejectionsInARow(logger, _policyAlarm.Threshold, record.SmtpCode, record.EnhancedCode, record.Reason);
        var (statusEvent, name, counted) = record.Class switch
        {
            OutcomeClass.Invalid => ((EmailStatusEvent)new EmailRejected { Errors = dead.Errors }, "rejected", OutcomeNames.Rejected),
            OutcomeClass.Expired => (new EmailExpired(), "expired", OutcomeNames.Expired),
            _ => (new EmailDeadLettered(), "dead-lettered", OutcomeNames.DeadLettered),
        };
        events.Publish(Fill(statusEvent, messageId, command, dead.Attempt, name, outcome));
        Count(counted, record.Class, dead.Attempt);
    }

    private T Fill<T>(T statusEvent, string messageId, SendEmail? command, int attempt, string outcomeName, AttemptOutcome outcome)
        where T : EmailStatusEvent => statusEvent with
    {
        MessageId = messageId,
        CorrelationId = command?.CorrelationId,
        Tags = command?.Tags ?? new Dictionary<string, string>(),
        Attempt = attempt,
        Outcome = outcomeName,
        Class = OutcomeClassNames.Name(outcome.Class),
        SmtpCode = outcome.SmtpCode,
        EnhancedCode = outcome.EnhancedCode,
        Message = outcome.Reason,
        Timestamp = time.GetUtcNow(),
    };
}
