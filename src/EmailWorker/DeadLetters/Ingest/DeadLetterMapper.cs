using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EmailWorker.Broker;
using EmailWorker.DeadLetters.Store;
using EmailWorker.Outcomes;
using EmailWorker.Messages;
using RabbitMQ.Client;

namespace EmailWorker.DeadLetters.Ingest;

/// <summary>
/// Turns a message from the dead-letter queue into a <see cref="IngestedLetter"/>. The only place that reads our headers
/// for the store (so moving to the header codec is one edit here). It accepts anything: our dead letters (the failure
/// record in our headers), letters the broker dead-lettered at the work queue's delivery limit (class <c>poison</c>), and
/// foreign letters without our headers (class <c>unknown</c>). Text from outside is bounded and stripped of control characters.
/// <para>
/// The letter id is a hash of what the letter is: its AMQP message id, every header (canonical JSON) and the body. A
/// redelivery of the same message from <c>email.dead</c> hashes the same, so it never makes a second row. Only
/// <c>x-delivery-count</c> is left out: quorum queues add it on redelivery, it counts our deliveries, not the letter's
/// failures. A header set by the worker would not cover the broker's and foreign letters; the hash covers all three. Two
/// letters alike in every byte and header are one letter. The same message dead-lettered again later differs in its
/// history and failure times, and so gets a new id.
/// </para>
/// </summary>
internal static class DeadLetterMapper
{
    public const string PoisonReason = "the work queue's delivery limit was reached: workers crashed or stalled on it";
    public const string ForeignReason = "not dead-lettered by EmailWorker: no failure record in its headers";
    private const string DeliveryCountHeader = "x-delivery-count";
    private const int MaxMessageId = 256;
    private const int MaxClass = 32;
    private const int MaxReason = 2000;
    private const int MaxCode = 32;
    private const int MaxRecipients = 1000;
    private const int MaxAddress = 320;

    public static IngestedLetter Map(IReadOnlyBasicProperties properties, byte[] body, DateTimeOffset receivedAt)
    {
        var headers = properties.Headers;
        string? Text(string name) => HeaderCodec.ReadString(headers, name);
        var headersJson = HeaderJson.Write(headers, name => name != DeliveryCountHeader);
        // The id leaves out what the transport adds per copy (sequence number, trace context): one failure, one letter.
        var identityJson = HeaderJson.Write(headers, name => !HeaderNames.IsTransportHeader(name));
        var bodyJson = ReadBody(body);
        var state = HeaderCodec.ReadState(headers);
        var failure = HeaderCodec.ReadFailure(headers);

        var brokerReason = Text(HeaderNames.BrokerFirstDeathReason);
        var letterClass = Clean(failure is not null ? failure.Class.Name() : brokerReason == "delivery_limit" ? LetterClasses.Poison : LetterClasses.Unknown, MaxClass);
        var reason = Clean(failure?.Reason ?? brokerReason switch
        {
            null => ForeignReason,
            "delivery_limit" => PoisonReason,
            _ => $"dead-lettered by the broker ({brokerReason}) from {Text("x-first-death-queue") ?? "an unknown queue"}",
        }, MaxReason);
        var smtpCode = failure?.SmtpCode;
        var enhancedCode = failure?.EnhancedCode is { } enhanced ? Clean(enhanced, MaxCode) : null;
        var brokerTime = BrokerDeathTime(headers) ?? receivedAt;

        return new IngestedLetter(
            LetterId(properties.MessageId, identityJson, body),
            Clean(bodyJson.MessageId ?? properties.MessageId ?? "", MaxMessageId),
            new LetterFailure(letterClass, reason, smtpCode, enhancedCode, state.Attempts, failure?.FirstFailureAt ?? brokerTime,
                failure?.LastFailureAt ?? brokerTime),
            Recipients(state.Recipients ?? bodyJson.Recipients),
            Fingerprint.Of(letterClass, smtpCode, enhancedCode, reason),
            new LetterContent(JsonSerializer.Serialize([.. state.History], RoutingJsonContext.Default.ListHistoryEntry), headersJson, body,
                PropertiesOf(properties)));
    }

    /// <summary>
    /// The last resort when <see cref="Map"/> failed: the body and AMQP message id kept, nothing read from the headers. A
    /// letter that is neither stored nor acked would be acked all the same by the next batch's multiple ack.
    /// </summary>
    public static IngestedLetter Unreadable(IReadOnlyBasicProperties properties, byte[] body, DateTimeOffset receivedAt, string problem)
    {
        var reason = Clean($"the dead letter could not be read: {problem}", MaxReason);
        return new IngestedLetter(LetterId(properties.MessageId, "{}", body), Clean(properties.MessageId ?? "", MaxMessageId),
            new LetterFailure(LetterClasses.Unknown, reason, null, null, 0, receivedAt, receivedAt), [],
            Fingerprint.Of(LetterClasses.Unknown, null, null, reason), new LetterContent("[]", "{}", body, PropertiesOf(properties)));
    }

    /// <summary><see cref="Map"/>, or <see cref="Unreadable"/> with <paramref name="problem"/> set when the letter cannot be read.</summary>
    public static IngestedLetter MapOrKeep(IReadOnlyBasicProperties properties, byte[] body, DateTimeOffset receivedAt, out string? problem)
    {
        try
        {
            problem = null;
            return Map(properties, body, receivedAt);
        }
        catch (Exception ex)
        {
            problem = ex.Message;
            return Unreadable(properties, body, receivedAt, ex.GetType().Name);
        }
    }

    public static string LetterId(string? amqpMessageId, string headersJson, byte[] body)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"letter-v1\n{amqpMessageId}\n{headersJson}\n"));
        hash.AppendData(body);
        return Convert.ToHexStringLower(hash.GetHashAndReset().AsSpan(0, 16));
    }

    /// <summary>
    /// Control characters (NUL would make PostgreSQL refuse the row, and with it the batch) become spaces; long text is cut,
    /// never inside a surrogate pair: half a pair cannot be encoded in UTF-8, and Npgsql refuses it (the batch, for good).
    /// </summary>
    public static string Clean(string text, int max)
    {
        var cut = Fingerprint.Cut(text, max);
        return cut.Any(c => char.IsControl(c) || char.IsSurrogate(c)) ? string.Concat(WellFormed(cut)) : cut;
    }

    /// <summary>Controls as spaces, and a surrogate that is not half of a pair (a body may carry one) as U+FFFD.</summary>
    private static IEnumerable<char> WellFormed(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                yield return c;
                yield return text[++i];
            }
            else
            {
                yield return char.IsControl(c) ? ' ' : char.IsSurrogate(c) ? '\uFFFD' : c;
            }
        }
    }

    private static string[] Recipients(IEnumerable<string> recipients) =>
        [.. recipients.Take(MaxRecipients).Select(r => Clean(r, MaxAddress))];

    /// <summary>When the broker dead-lettered it: the newest <c>x-death</c> entry's time.</summary>
    private static DateTimeOffset? BrokerDeathTime(IDictionary<string, object?>? headers) =>
        headers is not null && headers.TryGetValue("x-death", out var deaths) && deaths is IList<object?> { Count: > 0 } list
            && list[0] is IDictionary<string, object?> newest && newest.TryGetValue("time", out var time) && time is AmqpTimestamp at
            ? AmqpTimestamps.Read(at)
            : null;

    /// <summary>The messageId and recipients of a JSON body (ours, or a foreign one shaped alike); nothing from any other body.</summary>
    private static (string? MessageId, IEnumerable<string> Recipients) ReadBody(byte[] body)
    {
        var start = Array.FindIndex(body, b => b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'));
        if (start < 0 || body[start] != (byte)'{')
            return (null, []);
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            var messageId = root.TryGetProperty("messageId", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
            var recipients = new List<string>();
            foreach (var field in new[] { "to", "cc", "bcc" })
            {
                if (!root.TryGetProperty(field, out var list) || list.ValueKind != JsonValueKind.Array)
                    continue;
                foreach (var entry in list.EnumerateArray())
                {
                    if (entry.ValueKind == JsonValueKind.Object && entry.TryGetProperty("address", out var address) && address.ValueKind == JsonValueKind.String)
                        recipients.Add(address.GetString()!);
                }
            }
            return (messageId, recipients);
        }
        catch (JsonException)
        {
            return (null, []);
        }
    }

    /// <summary>
    /// Every AMQP property the letter came with (the headers are kept apart): those a replay publishes again, and the rest
    /// so that the letter can be shown as it came (<c>dlq show --raw</c>, <c>dlq export</c>). The producer's expiration and
    /// user-id of a letter the worker moved come from our headers: the worker never publishes them as properties.
    /// </summary>
    private static LetterProperties PropertiesOf(IReadOnlyBasicProperties properties) => new(
        properties.ContentType,
        properties.ContentEncoding,
        properties.MessageId,
        properties.CorrelationId,
        properties.Type,
        properties.AppId,
        properties.IsTimestampPresent() ? properties.Timestamp.UnixTime : null,
        properties.IsDeliveryModePresent() ? (byte)properties.DeliveryMode : null,
        properties.IsPriorityPresent() ? properties.Priority : null,
        properties.ReplyTo,
        properties.Expiration ?? HeaderCodec.ReadOriginal(properties.Headers, HeaderNames.OriginalExpiration),
        properties.UserId ?? HeaderCodec.ReadOriginal(properties.Headers, HeaderNames.OriginalUserId),
        properties.ClusterId);
}
