using EmailWorker.Broker;
using EmailWorker.Contracts;
using EmailWorker.Contracts.Events;
using EmailWorker.Logging;
using EmailWorker.Outcomes;
using EmailWorker.Routing;
using Microsoft.Extensions.Logging;

namespace EmailWorker.Events;

/// <summary>
/// Tells the world what became of a message once its plan's moves are durable: one structured log event and (for every
/// outcome but a return to the queue) one status event per report. IDs, codes and classes only — never bodies or credentials.
/// </summary>
internal sealed class OutcomeReporter(StatusEventPublisher events, TimeProvider time, ILogger<OutcomeReporter> logger)
{
    private readonly OutcomeRunAlarm _policyAlarm = OutcomeRunAlarm.PolicyRejections();

    public void Report(string messageId, SendEmail? command, IReadOnlyList<Report> reports)
    {
        foreach (var report in reports)
        {
            switch (report)
            {
                case Routing.Report.Delivered delivered:
                    Delivered(messageId, command, delivered);
                    break;
                case Routing.Report.RecipientRefused refused:
                    Log.RecipientRefused(logger, messageId, refused.Attempt, refused.Outcome.SmtpCode, refused.Outcome.EnhancedCode, refused.Outcome.Reason, refused.Recipient);
                    break;
                case Routing.Report.Deferred deferred:
                    Log.Deferred(logger, messageId, deferred.Attempt, deferred.Outcome.SmtpCode, deferred.Outcome.EnhancedCode, deferred.Outcome.Reason,
                        deferred.NextAttemptAt, deferred.Recipients.Count);
                    events.Publish(Fill(new EmailDeferred { NextAttemptAt = deferred.NextAttemptAt, Recipients = deferred.Recipients },
                        messageId, command, deferred.Attempt, "deferred", deferred.Outcome));
                    break;
                case Routing.Report.DeadLettered dead:
                    DeadLettered(messageId, command, dead);
                    break;
                case Routing.Report.Returned returned:
                    Log.Returned(logger, messageId, returned.Attempt, returned.Outcome.Reason, returned.SystemReturns, returned.Recipients.Count);
                    break;
            }
        }
    }

    private void Delivered(string messageId, SendEmail? command, Routing.Report.Delivered delivered)
    {
        var outcome = AttemptOutcome.Delivered(delivered.Reply);
        _policyAlarm.Record(outcome);
        Log.Delivered(logger, messageId, delivered.Attempt, delivered.Recipients.Count);
        events.Publish(Fill(new EmailDelivered { Recipients = delivered.Recipients }, messageId, command, delivered.Attempt, "delivered", outcome));
    }

    private void DeadLettered(string messageId, SendEmail? command, Routing.Report.DeadLettered dead)
    {
        var record = dead.Failure;
        Log.DeadLettered(logger, messageId, HeaderCodec.ClassName(record.Class), record.Reason, record.SmtpCode, record.EnhancedCode,
            dead.Attempt, record.FirstFailureAt, record.LastFailureAt);
        var outcome = new AttemptOutcome(record.Class, record.Reason, record.SmtpCode, record.EnhancedCode);
        if (_policyAlarm.Record(outcome))
            Log.PolicyRejectionsInARow(logger, _policyAlarm.Threshold, record.SmtpCode, record.EnhancedCode, record.Reason);
        var (statusEvent, name) = record.Class switch
        {
            OutcomeClass.Invalid => ((EmailStatusEvent)new EmailRejected { Errors = dead.Errors }, "rejected"),
            OutcomeClass.Expired => (new EmailExpired(), "expired"),
            _ => (new EmailDeadLettered(), "dead-lettered"),
        };
        events.Publish(Fill(statusEvent, messageId, command, dead.Attempt, name, outcome));
    }

    private T Fill<T>(T statusEvent, string messageId, SendEmail? command, int attempt, string outcomeName, AttemptOutcome outcome)
        where T : EmailStatusEvent => statusEvent with
    {
        MessageId = messageId,
        CorrelationId = command?.CorrelationId,
        Tags = command?.Tags ?? new Dictionary<string, string>(),
        Attempt = attempt,
        Outcome = outcomeName,
        Class = HeaderCodec.ClassName(outcome.Class),
        SmtpCode = outcome.SmtpCode,
        EnhancedCode = outcome.EnhancedCode,
        Message = outcome.Reason,
        Timestamp = time.GetUtcNow(),
    };
}
