using System.Text;

namespace EmailWorker.Diagnostics;

/// <summary>
/// Makes text from outside (relay replies, validation messages naming fields the producer chose) fit for logs, headers
/// and terminals: control characters escaped as \uXXXX and the length bounded, so a reply or a header name can neither
/// forge log lines nor grow a header without limit.
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
            if (char.IsControl(c) || c is '\u2028' or '\u2029')
                builder.Append(@"\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            else
                builder.Append(c);
        }
        return builder.ToString();
    }
}
