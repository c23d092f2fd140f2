using System.Globalization;
using System.Text.Json;
using EmailWorker.Delivery;
using RabbitMQ.Client;
using Headers = EmailWorker.Delivery.Headers;

namespace EmailWorker.Operations;

/// <summary>
/// The properties a dead letter is replayed with: its body and the producer's headers unchanged, the attempt counter reset,
/// the history kept with one more entry for the replay, <c>email-replay-count</c> incremented, who and when recorded, and
/// the failure record and the broker's death headers removed.
/// </summary>
internal static class ReplayedMessage
{
    private static readonly string[] Reset =
    [
        Headers.Attempt, Headers.FirstAttemptAt, Headers.RetryTier, Headers.FailureClass, Headers.FailureReason, Headers.SmtpCode,
        Headers.SmtpEnhancedCode, Headers.SmtpReply, Headers.Attempts, Headers.FirstFailureAt, Headers.LastFailureAt,
    ];

    public const string ReplayedAt = "email-replayed-at";
    public const string ReplayedBy = "email-replayed-by";

    public static BasicProperties Properties(DeadLetterEntry entry, string replayedBy, DateTimeOffset now)
    {
        var headers = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, value) in entry.Headers)
        {
            if (!Headers.IsBrokerDeathHeader(name) && !Reset.Contains(name))
                headers[name] = value;
        }
        var state = DeliveryState.FromHeaders(entry.Headers);
        var replay = new HistoryEntry(0, now, "replayed", entry.Class, null, null, $"replayed by {replayedBy}", $"emailworker-cli@{Environment.MachineName}");
        headers[Headers.History] = JsonSerializer.Serialize(state.HistoryWith(replay), DeliveryJsonContext.Default.ListHistoryEntry);
        headers[Headers.ReplayCount] = entry.ReplayCount + 1;
        headers[ReplayedAt] = now.ToString("O", CultureInfo.InvariantCulture);
        headers[ReplayedBy] = replayedBy;
        var source = entry.Properties;
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
