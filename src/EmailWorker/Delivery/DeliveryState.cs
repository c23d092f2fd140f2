using System.Globalization;
using System.Text;
using System.Text.Json;

namespace EmailWorker.Delivery;

/// <summary>
/// What earlier attempts left in a message's headers: how many attempts, when the first was, the history, the last retry
/// tier used and the recipients still to be served. Counted in our own headers, never from <c>x-death</c>.
/// </summary>
internal sealed record DeliveryState(
    int Attempts,
    DateTimeOffset? FirstAttemptAt,
    List<HistoryEntry> History,
    int? LastTier,
    IReadOnlyList<string>? RemainingRecipients)
{
    public const int MaxHistoryEntries = 25;

    public static DeliveryState FromHeaders(IDictionary<string, object?>? headers) => new(
        ReadInt(headers, Headers.Attempt) ?? 0,
        ReadString(headers, Headers.FirstAttemptAt) is { } first && DateTimeOffset.TryParse(first, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at) ? at : null,
        ReadJson(headers, Headers.History, DeliveryJsonContext.Default.ListHistoryEntry) ?? [],
        ReadInt(headers, Headers.RetryTier),
        ReadJson(headers, Headers.RemainingRecipients, DeliveryJsonContext.Default.StringArray));

    /// <summary>The history with one more entry, keeping the first attempt and the newest ones when it is full.</summary>
    public List<HistoryEntry> HistoryWith(HistoryEntry entry)
    {
        var history = new List<HistoryEntry>(History) { entry };
        if (history.Count > MaxHistoryEntries)
            history.RemoveAt(1);
        return history;
    }

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
            long number => (int)number,
            byte[] or string => int.TryParse(ReadString(headers, name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed : null,
            _ => null,
        } : null;

    private static T? ReadJson<T>(IDictionary<string, object?>? headers, string name, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
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
            // A damaged header must not make the message undeliverable; the history starts afresh.
            return default;
        }
    }
}
