using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace EmailWorker.Webhooks;

/// <summary>
/// A status event as a webhook: the body <c>{"type": "email.delivered", "timestamp": …, "data": {the event}}</c> (the
/// Standard Webhooks payload shape) and its id, <c>msg_</c> and a hash of the event's routing key and bytes — the same
/// for a redelivered event, so the outbox keeps one row for it, and the same for every endpoint and attempt.
/// </summary>
internal sealed record WebhookPayload(string WebhookId, string EventType, string MessageId, IReadOnlyDictionary<string, string> Tags, string Body)
{
    /// <summary>Status events are a few hundred bytes; one far larger is not ours to send on.</summary>
    public const int MaxEventBytes = 64 * 1024;

    public static bool TryRead(string eventType, ReadOnlySpan<byte> eventBody, out WebhookPayload? payload, out string problem)
    {
        payload = null;
        problem = "";
        if (eventBody.Length > MaxEventBytes)
        {
            problem = $"the event is {eventBody.Length} bytes: at most {MaxEventBytes}";
            return false;
        }
        string messageId;
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        JsonElement timestamp;
        try
        {
            using var document = JsonDocument.Parse(eventBody.ToArray());
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("timestamp", out timestamp) || timestamp.ValueKind != JsonValueKind.String)
            {
                problem = "the event is not a status event (no timestamp)";
                return false;
            }
            timestamp = timestamp.Clone();
            messageId = root.TryGetProperty("messageId", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString()! : "";
            if (root.TryGetProperty("tags", out var tagObject) && tagObject.ValueKind == JsonValueKind.Object)
            {
                foreach (var tag in tagObject.EnumerateObject().Where(t => t.Value.ValueKind == JsonValueKind.String))
                    tags[tag.Name] = tag.Value.GetString()!;
            }
        }
        catch (JsonException ex)
        {
            problem = $"the event is not JSON ({ex.Message})";
            return false;
        }
        payload = new WebhookPayload(IdOf(eventType, eventBody), eventType, messageId, tags, Wrap(eventType, timestamp, eventBody));
        return true;
    }

    private static string IdOf(string eventType, ReadOnlySpan<byte> eventBody)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(eventType + "\n"));
        hash.AppendData(eventBody);
        return "msg_" + Convert.ToHexStringLower(hash.GetHashAndReset(), 0, 16);
    }

    private static string Wrap(string eventType, JsonElement timestamp, ReadOnlySpan<byte> eventBody)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", eventType);
            // As the event wrote it (WriteTo would escape its '+').
            writer.WritePropertyName("timestamp");
            writer.WriteRawValue(timestamp.GetRawText());
            writer.WritePropertyName("data");
            writer.WriteRawValue(eventBody, skipInputValidation: false);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
