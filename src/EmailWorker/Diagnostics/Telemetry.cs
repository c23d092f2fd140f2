using System.Diagnostics;


namespace EmailWorker.Diagnostics;

/// <summary>The names every signal of the worker shares: one <c>Meter</c> and one <see cref="ActivitySource"/>, both <c>EmailWorker</c>.</summary>
internal static class Telemetry
{
    public const string Name = "EmailWorker";

    /// <summary>Spans: one per message handled, one per SMTP attempt. Starting one costs nothing while nobody listens.</summary>
    public static readonly ActivitySource Source = new(Name);

    // Attribute names: OpenTelemetry's messaging and error conventions, ours under emailworker.*.
    public const string MessagingSystem = "messaging.system";
    public const string DestinationName = "messaging.destination.name";
    public const string OperationType = "messaging.operation.type";
    public const string MessageId = "messaging.message.id";
    public const string ErrorType = "error.type";
    public const string Outcome = "emailworker.outcome";
    public const string Class = "emailworker.class";
    public const string ReplyClass = "emailworker.smtp.reply_class";
    public const string Attempt = "emailworker.attempt";
    public const string LedgerOutcome = "emailworker.ledger.outcome";
    public const string LedgerOperation = "emailworker.ledger.operation";
    public const string SuppressionOperation = "emailworker.suppression.operation";
    public const string SuppressionScope = "emailworker.suppression.scope";
    public const string SuppressionReason = "emailworker.suppression.reason";
    public const string Relay = "emailworker.relay";
    public const string Reply = "emailworker.smtp.reply";
    public const string Stage = "emailworker.smtp.stage";
}
