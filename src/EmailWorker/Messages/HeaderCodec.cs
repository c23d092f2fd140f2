using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using EmailWorker.Configuration;
using EmailWorker.Outcomes;

namespace EmailWorker.Messages;

/// <summary>
/// Reads and writes every header of <see cref="HeaderNames"/>: the attempt state, the failure record and the replay stamp.
/// The one place that knows their names and formats; the planner, the mover, the CLI and the status events use it.
/// A damaged header never makes a message undeliverable: it reads as absent.
/// </summary>
internal static class HeaderCodec
{
    private const int MaxShortString = 255;

    public static AttemptState ReadState(IDictionary<string, object?>? headers) => new(
        ReadInt(headers, HeaderNames.Attempt) ?? 0,
        ReadTime(headers, HeaderNames.FirstAttemptAt),
        ReadJson(headers, HeaderNames.History, RoutingJsonContext.Default.ListHistoryEntry) ?? [],
        ReadString(headers, HeaderNames.RetryDelay) is { } delay && Duration.TryParse(delay, out var parsed) ? parsed : null,
        ReadJson(headers, HeaderNames.RemainingRecipients, RoutingJsonContext.Default.StringArray),
        ReadInt(headers, HeaderNames.SystemReturns) ?? 0,
        ReadInt(headers, HeaderNames.ReplayCount) ?? 0);

    /// <summary>The failure record of a dead letter we wrote; null for a message without one (or with a class we do not know).</summary>
    public static FailureRecord? ReadFailure(IDictionary<string, object?>? headers)
    {
        if (!Enum.TryParse<OutcomeClass>(ReadString(headers, HeaderNames.FailureClass), ignoreCase: true, out var failureClass))
            return null;
        var last = ReadTime(headers, HeaderNames.LastFailureAt) ?? DateTimeOffset.MinValue;
        return new FailureRecord(failureClass, ReadString(headers, HeaderNames.FailureReason) ?? "",
            ReadInt(headers, HeaderNames.SmtpCode), ReadString(headers, HeaderNames.SmtpEnhancedCode),
            ReadTime(headers, HeaderNames.FirstFailureAt) ?? last, last);
    }

    /// <summary>
    /// The headers a message is published on with: the source's headers without the broker's death headers and without
    /// any of ours, then <paramref name="state"/>, the failure record (dead letters only), the replay stamp (replays only)
    /// the producer's expiration and user-id (<paramref name="original"/>, when it set them) and the lane (only when not
    /// normal: a message of the normal lane carries the headers it had before there were lanes).
    /// </summary>
    public static Dictionary<string, object?> Write(IDictionary<string, object?>? source, AttemptState state,
        FailureRecord? failure = null, ReplayStamp? replay = null, (string? Expiration, string? UserId) original = default,
        Lane lane = Lane.Normal)
    {
        var headers = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, value) in source ?? new Dictionary<string, object?>())
        {
            if (!HeaderNames.IsBrokerDeathHeader(name) && !IsOurs(name))
                headers[name] = value;
        }
        // A dead letter always states its attempts (0: never tried); elsewhere no header means none yet, as a producer sends it.
        if (state.Attempts > 0 || failure is not null)
            headers[HeaderNames.Attempt] = state.Attempts;
        if (state.FirstAttemptAt is { } first)
            headers[HeaderNames.FirstAttemptAt] = Format(first);
        if (state.History.Count > 0)
            headers[HeaderNames.History] = JsonSerializer.Serialize([.. state.History], RoutingJsonContext.Default.ListHistoryEntry);
        if (state.LastRetryDelay is { } delay)
            headers[HeaderNames.RetryDelay] = Duration.Format(delay);
        if (state.Recipients is { } recipients)
            headers[HeaderNames.RemainingRecipients] = JsonSerializer.Serialize(recipients.ToArray(), RoutingJsonContext.Default.StringArray);
        if (state.SystemReturns > 0)
            headers[HeaderNames.SystemReturns] = state.SystemReturns;
        if (state.ReplayCount > 0)
            headers[HeaderNames.ReplayCount] = state.ReplayCount;
        if (failure is not null)
            WriteFailure(headers, failure);
        if (replay is not null)
        {
            headers[HeaderNames.ReplayedAt] = Format(replay.At);
            headers[HeaderNames.ReplayedBy] = replay.By;
        }
        if (original.Expiration is not null)
            headers[HeaderNames.OriginalExpiration] = original.Expiration;
        if (original.UserId is not null)
            headers[HeaderNames.OriginalUserId] = original.UserId;
        if (lane != Lane.Normal)
            headers[HeaderNames.Lane] = lane.Name();
        return headers;
    }

    /// <summary>The lane a move wrote (<see cref="HeaderNames.Lane"/>); null when there is none or it names no lane.</summary>
    public static Lane? ReadLane(IDictionary<string, object?>? headers) =>
        Lanes.TryParse(ReadString(headers, HeaderNames.Lane), out var lane) ? lane : null;

    /// <summary>
    /// A producer property our header keeps (<see cref="HeaderNames.OriginalExpiration"/>, <see cref="HeaderNames.OriginalUserId"/>);
    /// null when absent or longer than the property can be (an AMQP short string, 255 bytes): then it is not what a producer sent.
    /// </summary>
    public static string? ReadOriginal(IDictionary<string, object?>? headers, string name) =>
        ReadString(headers, name) is { } value && Encoding.UTF8.GetByteCount(value) <= MaxShortString ? value : null;

    public static string? ReadString(IDictionary<string, object?>? headers, string name) =>
        headers is not null && headers.TryGetValue(name, out var value) ? value switch
        {
            byte[] bytes => Encoding.UTF8.GetString(bytes),
            string text => text,
            null => null,
            _ => Convert.ToString(value, CultureInfo.InvariantCulture),
        } : null;

    public static int? ReadInt(IDictionary<string, object?>? headers, string name) =>
        headers is not null && headers.TryGetValue(name, out var value) ? value switch
        {
            int number => number,
            long number => (int)Math.Clamp(number, int.MinValue, int.MaxValue),
            byte[] or string => int.TryParse(ReadString(headers, name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed : null,
            _ => null,
        } : null;

    public static DateTimeOffset? ReadTime(IDictionary<string, object?>? headers, string name) =>
        DateTimeOffset.TryParse(ReadString(headers, name), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at) ? at : null;

    private static void WriteFailure(Dictionary<string, object?> headers, FailureRecord failure)
    {
        headers[HeaderNames.FailureClass] = failure.Class.Name();
        headers[HeaderNames.FailureReason] = failure.Reason;
        if (failure.SmtpCode is { } code)
            headers[HeaderNames.SmtpCode] = code;
        if (failure.EnhancedCode is { } enhanced)
            headers[HeaderNames.SmtpEnhancedCode] = enhanced;
        headers[HeaderNames.FirstFailureAt] = Format(failure.FirstFailureAt);
        headers[HeaderNames.LastFailureAt] = Format(failure.LastFailureAt);
    }

    // Everything we own is written afresh from the state, so a header dropped from the state never lingers.
    private static bool IsOurs(string name) => name.StartsWith("email-", StringComparison.Ordinal);

    private static string Format(DateTimeOffset at) => at.ToString("O", CultureInfo.InvariantCulture);

    private static T? ReadJson<T>(IDictionary<string, object?>? headers, string name, JsonTypeInfo<T> type)
    {
        var json = ReadString(headers, name);
        if (string.IsNullOrEmpty(json))
            return default;
        try
        {
            return JsonSerializer.Deserialize(json, type);
        }
        catch (JsonException)
        {
            return default;
        }
    }
}
