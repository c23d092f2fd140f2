using System.Text;

namespace EmailWorker.Diagnostics;

/// <summary>
/// Makes text from outside (relay replies, validation messages naming fields the producer chose, addresses, subjects,
/// headers) fit for logs, headers and terminals: control characters and the bidirectional overrides escaped as \uXXXX
/// and the length bounded, so a reply or a header name can neither forge log lines, run a terminal escape sequence
/// (OSC 52 writes the clipboard), reorder what an operator reads, nor grow a header without limit.
/// </summary>
internal static class SafeText
{
    public const int MaxLength = 1000;

    public static string Bound(string? text, int maxLength = MaxLength)
    {
        if (string.IsNullOrEmpty(text))
            return "";
        var builder = new StringBuilder(Math.Min(text.Length, maxLength + 16));
        foreach (var c in text)
        {
            if (builder.Length >= maxLength)
                return builder.Append('…').ToString();
            if (IsUnsafe(c))
                AppendEscaped(builder, c);
            else
                builder.Append(c);
        }
        return builder.ToString();
    }

    /// <summary>C0 and C1 controls (ESC, BEL, CSI, line breaks…), the Unicode line separators and the bidi embeddings,
    /// overrides and isolates (U+202A–U+202E, U+2066–U+2069).</summary>
    public static bool IsUnsafe(char c) =>
        char.IsControl(c) || c is '\u2028' or '\u2029' or (>= '\u202a' and <= '\u202e') or (>= '\u2066' and <= '\u2069');

    public static void AppendEscaped(StringBuilder builder, char c) =>
        builder.Append(@"\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
}
