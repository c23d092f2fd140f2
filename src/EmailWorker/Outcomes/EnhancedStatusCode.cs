using System.Text.RegularExpressions;


namespace EmailWorker.Outcomes;

/// <summary>Reads the RFC 3463 enhanced status code (e.g. <c>5.1.1</c>) from the start of an SMTP reply text.</summary>
internal static partial class EnhancedStatusCode
{
    public static string? Parse(string? replyText)
    {
        if (string.IsNullOrEmpty(replyText))
            return null;
        var match = Pattern().Match(replyText);
        return match.Success ? match.Groups[1].Value : null;
    }

    [GeneratedRegex(@"^\s*(?:[245]\d\d[ -])?([245]\.\d{1,3}\.\d{1,3})\b")]
    private static partial Regex Pattern();
}
