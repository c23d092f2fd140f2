using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using RabbitMQ.Client;


namespace EmailWorker.Broker;

/// <summary>
/// AMQP headers as canonical JSON: names sorted (ordinal) at every level, so the same headers always give the same text and
/// therefore the same letter id. Byte arrays, as the client hands over every AMQP string, are written as UTF-8 text when
/// they are well-formed UTF-8, and otherwise as <c>{"$bytes": base64}</c>, so that a binary value is kept byte for byte
/// (shown as it came, replayed as it came) rather than with U+FFFD for its bad bytes.
/// </summary>
internal static class HeaderJson
{
    /// <summary>The one name of the object that stands for a byte string that is not UTF-8 text.</summary>
    public const string BytesName = "$bytes";

    public static string Write(IDictionary<string, object?>? headers, Func<string, bool> include)
    {
        using var buffer = new MemoryStream();
        // Relaxed escaping keeps '+', '<' and non-ASCII text readable in the store; quotes and control characters are still escaped.
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in (headers ?? new Dictionary<string, object?>()).OrderBy(h => h.Key, StringComparer.Ordinal))
            {
                if (!include(name))
                    continue;
                writer.WritePropertyName(name);
                WriteValue(writer, value);
            }
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>
    /// Headers back from <see cref="Write"/>'s JSON, for a replay from the store: text as strings, byte strings that are not
    /// text as byte arrays, whole numbers as longs, tables and arrays nested. Timestamps come back as text.
    /// </summary>
    public static Dictionary<string, object?> Read(string json)
    {
        using var document = JsonDocument.Parse(json);
        var headers = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
            return headers;
        foreach (var property in document.RootElement.EnumerateObject())
            headers[property.Name] = ReadValue(property.Value);
        return headers;
    }

    private static object? ReadValue(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object when IsBytes(element, out var bytes) => bytes,
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.TryGetInt64(out var whole) ? (object)whole : element.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Object => element.EnumerateObject().ToDictionary(p => p.Name, p => ReadValue(p.Value), StringComparer.Ordinal),
        JsonValueKind.Array => element.EnumerateArray().Select(ReadValue).ToList(),
        _ => null,
    };

    /// <summary>
    /// <c>{"$bytes": base64}</c> as <see cref="WriteValue"/> writes a byte string that is not UTF-8. A producer's table of
    /// that one name and a base64 text would read back as bytes too: no header of ours or of the broker looks like it.
    /// </summary>
    private static bool IsBytes(JsonElement element, out byte[]? bytes)
    {
        bytes = null;
        using var properties = element.EnumerateObject();
        if (!properties.MoveNext() || properties.Current.Name != BytesName || properties.Current.Value.ValueKind != JsonValueKind.String)
            return false;
        var text = properties.Current.Value.GetString()!;
        if (properties.MoveNext())
            return false;
        var buffer = new byte[text.Length * 3 / 4];
        if (!Convert.TryFromBase64String(text, buffer, out var length))
            return false;
        bytes = buffer[..length];
        return true;
    }

    private static void WriteValue(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case byte[] bytes when System.Text.Unicode.Utf8.IsValid(bytes):
                writer.WriteStringValue(Encoding.UTF8.GetString(bytes));
                break;
            case byte[] bytes:
                writer.WriteStartObject();
                writer.WriteString(BytesName, Convert.ToBase64String(bytes));
                writer.WriteEndObject();
                break;
            case string text:
                writer.WriteStringValue(text);
                break;
            case bool flag:
                writer.WriteBooleanValue(flag);
                break;
            case int or long or short or byte or sbyte or ushort or uint:
                writer.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case ulong number:
                writer.WriteNumberValue(number);
                break;
            case float or double:
                var real = Convert.ToDouble(value, CultureInfo.InvariantCulture);
                if (double.IsFinite(real))
                    writer.WriteNumberValue(real);
                else
                    writer.WriteStringValue(real.ToString(CultureInfo.InvariantCulture));
                break;
            case decimal number:
                writer.WriteNumberValue(number);
                break;
            case AmqpTimestamp timestamp when AmqpTimestamps.Read(timestamp) is { } time:
                writer.WriteStringValue(time.ToString("O", CultureInfo.InvariantCulture));
                break;
            case AmqpTimestamp unreadable:
                writer.WriteNumberValue(unreadable.UnixTime);
                break;
            case IDictionary<string, object?> table:
                writer.WriteStartObject();
                foreach (var (name, item) in table.OrderBy(h => h.Key, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(name);
                    WriteValue(writer, item);
                }
                writer.WriteEndObject();
                break;
            case IEnumerable list:
                writer.WriteStartArray();
                foreach (var item in list)
                    WriteValue(writer, item);
                writer.WriteEndArray();
                break;
            default:
                writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }
}
