using EmailWorker.Configuration;

namespace EmailWorker.Messages;

/// <summary>
/// One message as it came from a queue, free of the broker's types: the body exactly as published and the properties the
/// worker reads, or publishes again unchanged when it moves the message. The consumer converts each delivery into one
/// (<c>Broker.DeliveredMessage</c>); the delivery tag stays with the consumer.
/// </summary>
internal sealed record IncomingMessage(ReadOnlyMemory<byte> Body)
{
    /// <summary>
    /// The headers as the broker's client decoded them (a string arrives as UTF-8 bytes; numbers, tables and lists as
    /// such): ours are read through <see cref="HeaderCodec"/>, a producer's W3C <c>traceparent</c>/<c>tracestate</c> by the span.
    /// </summary>
    public IDictionary<string, object?>? Headers { get; init; }

    public string? MessageId { get; init; }

    public string? ContentType { get; init; }

    public string? ContentEncoding { get; init; }

    public string? CorrelationId { get; init; }

    public string? Type { get; init; }

    public string? AppId { get; init; }

    /// <summary>The producer's <c>timestamp</c> property as it came (0: none), published again unchanged.</summary>
    public long Timestamp { get; init; }

    /// <summary>That timestamp when it is readable as a time (seconds, or what can only be milliseconds); null otherwise.</summary>
    public DateTimeOffset? PublishedAt { get; init; }

    /// <summary>The producer's <c>priority</c> (null: not set), published again unchanged.</summary>
    public byte? Priority { get; init; }

    /// <summary>The producer's <c>reply-to</c>, published again unchanged.</summary>
    public string? ReplyTo { get; init; }

    /// <summary>
    /// The producer's <c>expiration</c>: the property as the message first came, then our header. Never published again as
    /// the property (a dead letter would expire out of the dead-letter queue, a retry copy before its tier's delay is over),
    /// only kept in <see cref="HeaderNames.OriginalExpiration"/>.
    /// </summary>
    public string? OriginalExpiration { get; init; }

    /// <summary>
    /// The producer's <c>user-id</c>: the property as the message first came, then our header. Never published again as the
    /// property (the broker refuses a user-id other than the publishing connection's user), only kept in <see cref="HeaderNames.OriginalUserId"/>.
    /// </summary>
    public string? OriginalUserId { get; init; }

    /// <summary>
    /// The lane whose work queue it came from: its moves stay in that lane (retry tiers, a return to the work queue) and
    /// its dead letter records it for a replay. A body whose <c>priority</c> names another lane is still served in this one.
    /// </summary>
    public Lane Lane { get; init; } = Lane.Normal;

    /// <summary>The broker delivered it before without an ack (to this consumer or another).</summary>
    public bool Redelivered { get; init; }
}
