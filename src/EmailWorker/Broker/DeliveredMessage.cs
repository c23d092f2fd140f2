using EmailWorker.Configuration;
using EmailWorker.Messages;
using RabbitMQ.Client.Events;

namespace EmailWorker.Broker;

/// <summary>A delivery from the broker as the worker handles it: converted once, by the consumer, into an <see cref="IncomingMessage"/>.</summary>
internal static class DeliveredMessage
{
    /// <summary>The client reuses the body's buffer once its callback returns: the message gets its own copy.</summary>
    public static IncomingMessage From(BasicDeliverEventArgs delivery, Lane lane)
    {
        var properties = delivery.BasicProperties;
        return new IncomingMessage(delivery.Body.ToArray())
        {
            Headers = properties.Headers,
            MessageId = properties.MessageId,
            ContentType = properties.ContentType,
            ContentEncoding = properties.ContentEncoding,
            CorrelationId = properties.CorrelationId,
            Type = properties.Type,
            AppId = properties.AppId,
            Timestamp = properties.Timestamp.UnixTime,
            Priority = properties.IsPriorityPresent() ? properties.Priority : null,
            ReplyTo = properties.ReplyTo,
            OriginalExpiration = properties.Expiration ?? HeaderCodec.ReadOriginal(properties.Headers, HeaderNames.OriginalExpiration),
            OriginalUserId = properties.UserId ?? HeaderCodec.ReadOriginal(properties.Headers, HeaderNames.OriginalUserId),
            PublishedAt = AmqpTimestamps.Published(properties),
            Redelivered = delivery.Redelivered,
            Lane = lane,
        };
    }
}
