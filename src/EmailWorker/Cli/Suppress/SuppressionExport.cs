using System.Globalization;
using System.Text;
using System.Text.Json;
using EmailWorker.Delivery.Suppression;
using EmailWorker.Diagnostics;

namespace EmailWorker.Cli.Suppress;

/// <summary>
/// Writes the whole list as CSV or JSON, page by page as it is read. Times are UTC to the millisecond (as stored); a field
/// holding a control character (none that the rules let in) is escaped as <c>\uXXXX</c>, so the output is safe on a terminal.
/// </summary>
internal static class SuppressionExport
{
    public static async Task<long> WriteAsync(ISuppressionStore list, Stream output, SuppressionFileFormat format, CancellationToken token)
    {
        var count = 0L;
        if (format == SuppressionFileFormat.Csv)
        {
            await using var writer = new StreamWriter(output, new UTF8Encoding(false), bufferSize: 64 * 1024, leaveOpen: true);
            await SuppressionCsv.WriteHeaderAsync(writer);
            await foreach (var entry in SuppressionPages.AllAsync(list, token))
            {
                await SuppressionCsv.WriteAsync(writer, Values(entry));
                count++;
            }
            return count;
        }
        await using (var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartArray();
            await foreach (var entry in SuppressionPages.AllAsync(list, token))
            {
                json.WriteStartObject();
                foreach (var (name, value) in SuppressionFields.Names.Zip(Values(entry)))
                    json.WriteString(name, value);
                json.WriteEndObject();
                count++;
                // Flushed a page at a time: the writer would otherwise keep the whole array.
                if (count % SuppressionPages.PageSize == 0)
                    await json.FlushAsync(token);
            }
            json.WriteEndArray();
        }
        await output.WriteAsync("\n"u8.ToArray(), token);
        return count;
    }

    /// <summary>In <see cref="SuppressionFields.Names"/>' order.</summary>
    public static string?[] Values(SuppressionEntry entry) =>
    [
        Safe(entry.Key), Safe(entry.Scope), Safe(entry.Reason), entry.SourceMessageId is null ? null : Safe(entry.SourceMessageId),
        entry.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture), Safe(entry.CreatedBy),
    ];

    private static string Safe(string text) => SafeText.Bound(text, int.MaxValue - 16);
}
