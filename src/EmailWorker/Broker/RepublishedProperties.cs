using RabbitMQ.Client;

using EmailWorker.Messages;

namespace EmailWorker.Broker;

/// <summary>
/// The properties a message is published again with (retry, dead-letter, return to the queue, replay): persistent, the
/// producer's properties unchanged, and the headers <see cref="HeaderCodec"/> wrote.
/// </summary>
internal static class RepublishedProperties
{
    public static BasicProperties From(IncomingMessage source, IDictionary<string, object?> headers) => new()
    {
        Persistent = true,
        ContentType = source.ContentType,
        ContentEncoding = source.ContentEncoding,
        MessageId = source.MessageId,
        CorrelationId = source.CorrelationId,
        Type = source.Type,
        AppId = source.AppId,
        Timestamp = new AmqpTimestamp(source.Timestamp),
        Headers = headers,
    };
}
