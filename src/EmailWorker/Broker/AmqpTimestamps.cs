using RabbitMQ.Client;

namespace EmailWorker.Broker;

/// <summary>
/// Reads an AMQP timestamp, which comes from outside (a producer's <c>timestamp</c> property, any header value): it is
/// meant to be whole seconds since 1970, but amqplib's <c>timestamp: Date.now()</c> sends milliseconds. A value that
/// can only be milliseconds (it would be after the year 9999 as seconds) is read as such; anything else outside what a
/// date can be is no time at all. Never throws: a bad property must not fail a message that was delivered.
/// </summary>
internal static class AmqpTimestamps
{
    private static readonly long MaxSeconds = DateTimeOffset.MaxValue.ToUnixTimeSeconds();
    private static readonly long MaxMilliseconds = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

    public static DateTimeOffset? Read(AmqpTimestamp timestamp) => timestamp.UnixTime switch
    {
        <= 0 => null,
        var seconds when seconds <= MaxSeconds => DateTimeOffset.FromUnixTimeSeconds(seconds),
        var milliseconds when milliseconds <= MaxMilliseconds => DateTimeOffset.FromUnixTimeMilliseconds(milliseconds),
        _ => null,
    };

    /// <summary>The producer's <c>timestamp</c> property, when it set a readable one.</summary>
    public static DateTimeOffset? Published(IReadOnlyBasicProperties properties) =>
        properties.IsTimestampPresent() ? Read(properties.Timestamp) : null;
}
