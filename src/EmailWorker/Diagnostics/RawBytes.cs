using System.Buffers;
using System.Globalization;
using System.Text;

namespace EmailWorker.Diagnostics;

/// <summary>
/// Bytes from outside (a letter's body as the producer sent it, a header value) as text that shows every byte and drives
/// nothing: well-formed UTF-8 is shown as its characters, except a backslash (<c>\\</c>), the line feed, carriage return and
/// tab (<c>\n</c>, <c>\r</c>, <c>\t</c>), every other control and format character — ESC, BEL, C1 controls, the bidi
/// overrides and isolates, LRM/RLM, the BOM — the line and paragraph separators, private-use and unassigned code points
/// (<c>\uXXXX</c>, <c>\UXXXXXXXX</c> beyond the BMP); each byte that is not part of well-formed UTF-8 is <c>\xNN</c>. So the escaping can be read back
/// to the exact bytes, and neither a terminal nor a page is driven by what a producer sent (<see cref="SafeText"/> is the
/// same rule for text already decoded, bounded for one line).
/// </summary>
internal static class RawBytes
{
    /// <summary>The bytes escaped; with <paramref name="breakLines"/> each <c>\n</c> is followed by a real line break, so text stays readable.</summary>
    public static string Escape(ReadOnlySpan<byte> bytes, bool breakLines = false)
    {
        var builder = new StringBuilder(bytes.Length + bytes.Length / 8 + 16);
        while (!bytes.IsEmpty)
        {
            var status = Rune.DecodeFromUtf8(bytes, out var rune, out var consumed);
            if (status != OperationStatus.Done)
            {
                // Not well-formed UTF-8 (invalid, or cut off at the end): each byte of the bad sequence shown as itself.
                foreach (var b in bytes[..consumed])
                    builder.Append(@"\x").Append(b.ToString("x2", CultureInfo.InvariantCulture));
            }
            else
            {
                Append(builder, rune, breakLines);
            }
            bytes = bytes[consumed..];
        }
        return builder.ToString();
    }

    /// <summary>Text (e.g. a header value as stored) escaped by the same rule, on one line.</summary>
    public static string Escape(string text) => Escape(Encoding.UTF8.GetBytes(text));

    private static void Append(StringBuilder builder, Rune rune, bool breakLines)
    {
        switch (rune.Value)
        {
            case '\\':
                builder.Append(@"\\");
                return;
            case '\n':
                builder.Append(@"\n");
                if (breakLines)
                    builder.Append('\n');
                return;
            case '\r':
                builder.Append(@"\r");
                return;
            case '\t':
                builder.Append(@"\t");
                return;
        }
        if (IsShownEscaped(rune))
        {
            builder.Append(rune.IsBmp ? @"\u" : @"\U").Append(rune.Value.ToString(rune.IsBmp ? "x4" : "x8", CultureInfo.InvariantCulture));
            return;
        }
        Span<char> chars = stackalloc char[2];
        builder.Append(chars[..rune.EncodeToUtf16(chars)]);
    }

    private static bool IsShownEscaped(Rune rune) => Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format
        or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
        or UnicodeCategory.OtherNotAssigned;
}
