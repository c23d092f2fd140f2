using System.Text;

namespace EmailWorker.SmtpSink;

/// <summary>The Message-ID header of a raw message, for the benchmark's receipts: which copy of which message arrived.</summary>
internal static class MessageIdReader
{
    private static readonly byte[] Name = "message-id:"u8.ToArray();

    /// <summary>The header's value without spaces (so it fits one receipt field), or null when the header part has none.</summary>
    public static string? Read(ReadOnlySpan<byte> data)
    {
        while (data.Length > 0)
        {
            var end = data.IndexOf((byte)'\n');
            var line = end < 0 ? data : data[..end];
            if (line.TrimEnd((byte)'\r').IsEmpty)
                return null; // the blank line: the headers are over
            if (line.Length > Name.Length && Ascii.EqualsIgnoreCase(line[..Name.Length], Name))
            {
                var value = Encoding.ASCII.GetString(line[Name.Length..]).Trim();
                return value.Length == 0 ? null : value.Replace(" ", "", StringComparison.Ordinal);
            }
            data = end < 0 ? [] : data[(end + 1)..];
        }
        return null;
    }
}
