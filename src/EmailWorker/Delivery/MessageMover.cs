using System.Globalization;
using System.Text.Json;
using EmailWorker.Broker;
using EmailWorker.Outcomes;
using EmailWorker.Topology;

namespace EmailWorker.Delivery;

/// <summary>
/// Moves a delivery to a retry tier or to the dead-letter queue: the original body byte for byte, our headers updated, the
/// broker's death headers stripped, published with confirms and <c>mandatory</c>. The caller acks the source only after this
/// returns; if it throws, the source must be requeued.
/// </summary>
internal sealed class MessageMover(ConfirmedPublisher publisher, TopologyNames names)
{
    public Task ToRetryAsync(IncomingMessage incoming, int tierIndex, int attempts, DateTimeOffset firstAttemptAt,
        List<HistoryEntry> history, IReadOnlyList<string> remainingRecipients, CancellationToken cancellationToken)
    {
        var properties = RepublishedProperties.From(incoming.Properties);
        var headers = properties.Headers!;
        headers[Headers.Attempt] = attempts;
        headers[Headers.FirstAttemptAt] = firstAttemptAt.ToString("O", CultureInfo.InvariantCulture);
        headers[Headers.History] = JsonSerializer.Serialize(history, DeliveryJsonContext.Default.ListHistoryEntry);
        headers[Headers.RetryTier] = tierIndex;
        headers[Headers.RemainingRecipients] = JsonSerializer.Serialize(remainingRecipients.ToArray(), DeliveryJsonContext.Default.StringArray);
        var tier = names.Tiers[tierIndex];
        return publisher.PublishAsync(names.RetryExchange, tier.QueueName, properties, incoming.Body, cancellationToken);
    }

    // recipients: who this dead letter stands for, so a replay reaches only them; null for every recipient.
    public Task ToDeadLetterAsync(IncomingMessage incoming, FailureRecord record, IReadOnlyList<string>? recipients, CancellationToken cancellationToken)
    {
        var properties = RepublishedProperties.From(incoming.Properties);
        var headers = properties.Headers!;
        if (recipients is not null)
            headers[Headers.RemainingRecipients] = JsonSerializer.Serialize(recipients.ToArray(), DeliveryJsonContext.Default.StringArray);
        headers[Headers.Attempt] = record.Attempts;
        headers[Headers.History] = JsonSerializer.Serialize(record.History, DeliveryJsonContext.Default.ListHistoryEntry);
        headers[Headers.FailureClass] = ClassName(record.Class);
        headers[Headers.FailureReason] = record.Reason;
        headers[Headers.Attempts] = record.Attempts;
        headers[Headers.FirstFailureAt] = record.FirstFailureAt.ToString("O", CultureInfo.InvariantCulture);
        headers[Headers.LastFailureAt] = record.LastFailureAt.ToString("O", CultureInfo.InvariantCulture);
        if (record.SmtpCode is { } code)
            headers[Headers.SmtpCode] = code;
        if (record.EnhancedCode is { } enhanced)
            headers[Headers.SmtpEnhancedCode] = enhanced;
        if (record.SmtpCode is not null)
            headers[Headers.SmtpReply] = record.Reason;
        return publisher.PublishAsync(names.Dead, "", properties, incoming.Body, cancellationToken);
    }

    /// <summary>
    /// Puts the message back at the tail of the work queue unchanged (but for the broker's headers), confirmed. Used instead
    /// of a nack-requeue for faults that are not the message's: a requeue would count against the work queue's delivery
    /// limit, and enough relay outages would then dead-letter healthy messages.
    /// </summary>
    public Task ToWorkQueueAsync(IncomingMessage incoming, CancellationToken cancellationToken) =>
        publisher.PublishAsync(names.Work, "", RepublishedProperties.From(incoming.Properties), incoming.Body, cancellationToken);

    public static string ClassName(OutcomeClass outcomeClass) => outcomeClass.ToString().ToLowerInvariant();
}
