using RabbitMQ.Client;

using EmailWorker.Messages;

namespace EmailWorker.Broker;

/// <summary>
/// The properties a message is published again with (retry, dead-letter, return to the queue, replay): persistent, the
/// producer's properties unchanged, and the headers <see cref="HeaderCodec"/> wrote. Not the producer's <c>expiration</c>
/// (a dead letter would expire out of the dead-letter queue; a retry tier's queue TTL is the delay) nor its <c>user-id</c>
/// (the broker refuses a user-id that is not the worker's own user, and closes the channel): the headers keep those.
/// </summary>
internal static class RepublishedProperties
{
    public static BasicProperties From(IncomingMessage source, IDictionary<string, object?> headers)
    {
        var properties = new BasicProperties
        {
            Persistent = true,
            ContentType = source.ContentType,
            ContentEncoding = source.ContentEncoding,
            MessageId = source.MessageId,
            CorrelationId = source.CorrelationId,
            Type = source.Type,
            AppId = source.AppId,
            Timestamp = new AmqpTimestamp(source.Timestamp),
            ReplyTo = source.ReplyTo,
            Headers = headers,
        };
        // Only when the producer set it: setting the property at all marks it present, and 0 is not "not set".
        if (source.Priority is { } priority)
            properties.Priority = priority;
        return properties;
    }
}
