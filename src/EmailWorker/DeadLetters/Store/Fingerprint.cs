using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace EmailWorker.DeadLetters.Store;

/// <summary>
/// Groups letters that failed for the same reason: class, SMTP code, enhanced code and the reply with what varies per
/// message masked (addresses, ids, numbers). The key is a short hash of those; the masked reply is the group's label.
/// </summary>
internal static partial class Fingerprint
{
    public const int MaxLabelLength = 200;
    public const string Address = "{address}";
    public const string Id = "{id}";
    public const string Number = "#";

    public static LetterGroupKey Of(string letterClass, int? smtpCode, string? enhancedCode, string reply)
    {
        var masked = Mask(WithoutCodes(reply, smtpCode, enhancedCode));
        var identity = string.Join('\n', letterClass, smtpCode?.ToString(CultureInfo.InvariantCulture) ?? "", enhancedCode ?? "",
            masked.ToLowerInvariant());
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)).AsSpan(0, 6));
        var label = string.Join(' ', new[] { smtpCode?.ToString(CultureInfo.InvariantCulture), enhancedCode, masked }.Where(p => !string.IsNullOrEmpty(p)));
        if (label.Length == 0)
            label = letterClass;
        return new LetterGroupKey(key, label.Length <= MaxLabelLength ? label : Cut(label, MaxLabelLength - 1) + "…");
    }

    /// <summary>At most <paramref name="max"/> characters of <paramref name="text"/>, one fewer rather than half a surrogate pair.</summary>
    public static string Cut(string text, int max) =>
        text.Length <= max ? text : text[..(char.IsHighSurrogate(text[max - 1]) ? max - 1 : max)];

    /// <summary>The reply with addresses, ids (any word of 8+ characters with a digit: hex, uuids, queue ids, long numbers) and numbers masked.</summary>
    public static string Mask(string text)
    {
        var masked = AddressPattern().Replace(text, Address);
        masked = IdPattern().Replace(masked, Id);
        masked = NumberPattern().Replace(masked, Number);
        return WhitespacePattern().Replace(masked, " ").Trim();
    }

    /// <summary>The codes are in the key already; a reply that repeats them ("550 5.1.1 …") would otherwise mask them to "# #.#.#".</summary>
    private static string WithoutCodes(string reply, int? smtpCode, string? enhancedCode)
    {
        var rest = reply.TrimStart();
        if (smtpCode is { } code && rest.StartsWith(code.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal))
            rest = rest[3..].TrimStart(' ', '-');
        if (!string.IsNullOrEmpty(enhancedCode) && rest.StartsWith(enhancedCode, StringComparison.Ordinal))
            rest = rest[enhancedCode.Length..];
        return rest;
    }

    [GeneratedRegex("""[^\s<>()\[\],;:"']+@[^\s<>()\[\],;:"']+""")]
    private static partial Regex AddressPattern();

    [GeneratedRegex(@"(?<![A-Za-z0-9._\-=+/])(?=[A-Za-z0-9._\-=+/]*[0-9])[A-Za-z0-9._\-=+/]{8,}")]
    private static partial Regex IdPattern();

    [GeneratedRegex("[0-9]+")]
    private static partial Regex NumberPattern();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhitespacePattern();
}
