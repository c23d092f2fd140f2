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
        var properties = RepublishedProperties.From(entry.Properties, name => !Reset.Contains(name));
        var headers = properties.Headers!;
        var replay = new HistoryEntry(0, now, "replayed", entry.Class, null, null, $"replayed by {replayedBy}", $"emailworker-cli@{Environment.MachineName}");
        headers[Headers.History] = JsonSerializer.Serialize(entry.State.HistoryWith(replay), DeliveryJsonContext.Default.ListHistoryEntry);
        headers[Headers.ReplayCount] = entry.ReplayCount + 1;
        headers[ReplayedAt] = now.ToString("O", CultureInfo.InvariantCulture);
        headers[ReplayedBy] = replayedBy;
        return properties;
    }
}
