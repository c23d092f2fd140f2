using RabbitMQ.Client;

namespace EmailWorker.Delivery;

/// <summary>
/// The properties a message is published again with (retry, dead-letter, return to the queue, replay): persistent, the
/// producer's properties unchanged, and the headers the caller keeps — never the broker's death headers.
/// </summary>
internal static class RepublishedProperties
{
    public static BasicProperties From(IReadOnlyBasicProperties source, Func<string, bool>? keepHeader = null)
    {
        var headers = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, value) in source.Headers ?? new Dictionary<string, object?>())
        {
            if (!Headers.IsBrokerDeathHeader(name) && (keepHeader is null || keepHeader(name)))
                headers[name] = value;
        }
        return new BasicProperties
        {
            Persistent = true,
            ContentType = source.ContentType,
            ContentEncoding = source.ContentEncoding,
            MessageId = source.MessageId,
            CorrelationId = source.CorrelationId,
            Type = source.Type,
            AppId = source.AppId,
            Timestamp = source.Timestamp,
            Headers = headers,
        };
    }
}
