using EmailWorker.Contracts;
using EmailWorker.Contracts.Events;
using EmailWorker.Events;
using EmailWorker.Outcomes;
using Microsoft.Extensions.Logging;

namespace EmailWorker.Delivery;

/// <summary>
/// Tells the world what became of a message once its outcome is durable: one structured log event and one status event
/// per outcome. IDs, codes and classes only — never bodies or credentials.
/// </summary>
internal sealed class OutcomeReporter(StatusEventPublisher events, TimeProvider time, ILogger<OutcomeReporter> logger)
{
    private readonly PolicyRejectionAlarm _policyAlarm = new();

    public void Delivered(SendEmail command, int attempt, IReadOnlyList<string> recipients, string reply)
    {
        _policyAlarm.Record(AttemptOutcome.Delivered(reply));
        Log.Delivered(logger, command.MessageId, attempt, recipients.Count);
        events.Publish(Fill(new EmailDelivered { Recipients = recipients }, command, attempt, "delivered", OutcomeClass.Delivered, AttemptOutcome.Delivered(reply)));
    }

    public void RecipientRefused(SendEmail command, int attempt, string recipient, AttemptOutcome outcome) =>
        Log.RecipientRefused(logger, command.MessageId, attempt, outcome.SmtpCode, outcome.EnhancedCode, outcome.Reason, recipient);

    public void Deferred(SendEmail command, int attempt, AttemptOutcome outcome, DateTimeOffset nextAttemptAt, IReadOnlyList<string> recipients)
    {
        Log.Deferred(logger, command.MessageId, attempt, outcome.SmtpCode, outcome.EnhancedCode, outcome.Reason, nextAttemptAt, recipients.Count);
        events.Publish(Fill(new EmailDeferred { NextAttemptAt = nextAttemptAt, Recipients = recipients }, command, attempt, "deferred", outcome.Class, outcome));
    }

    public void DeadLettered(string messageId, SendEmail? command, FailureRecord record, IReadOnlyList<ValidationError> errors)
    {
        Log.DeadLettered(logger, messageId, MessageMover.ClassName(record.Class), record.Reason, record.SmtpCode, record.EnhancedCode,
            record.Attempts, record.FirstFailureAt, record.LastFailureAt);
        var outcome = new AttemptOutcome(record.Class, record.Reason, record.SmtpCode, record.EnhancedCode);
        if (_policyAlarm.Record(outcome))
            Log.PolicyRejectionsInARow(logger, PolicyRejectionAlarm.Threshold, record.SmtpCode, record.EnhancedCode, record.Reason);
        EmailStatusEvent statusEvent = record.Class switch
        {
            OutcomeClass.Invalid => new EmailRejected { Errors = errors },
            OutcomeClass.Expired => new EmailExpired(),
            _ => new EmailDeadLettered(),
        };
        var name = record.Class switch
        {
            OutcomeClass.Invalid => "rejected",
            OutcomeClass.Expired => "expired",
            _ => "dead-lettered",
        };
        events.Publish(Fill(statusEvent, command, record.Attempts, name, record.Class, outcome) with { MessageId = messageId });
    }

    private T Fill<T>(T statusEvent, SendEmail? command, int attempt, string outcomeName, OutcomeClass outcomeClass, AttemptOutcome outcome)
        where T : EmailStatusEvent => statusEvent with
    {
        MessageId = command?.MessageId ?? "",
        CorrelationId = command?.CorrelationId,
        Tags = command?.Tags ?? new Dictionary<string, string>(),
        Attempt = attempt,
        Outcome = outcomeName,
        Class = MessageMover.ClassName(outcomeClass),
        SmtpCode = outcome.SmtpCode,
        EnhancedCode = outcome.EnhancedCode,
        Message = outcome.Reason,
        Timestamp = time.GetUtcNow(),
    };
}
