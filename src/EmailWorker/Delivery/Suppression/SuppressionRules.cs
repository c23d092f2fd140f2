using System.Net.Mail;
using EmailWorker.Contracts;
using EmailWorker.Diagnostics;

namespace EmailWorker.Delivery.Suppression;

/// <summary>
/// What an entry written by a person (the CLI's <c>suppress add</c> and <c>import</c>, the dashboard) must be: each check
/// returns the normalised value, or null and the one line that says what is wrong. One set of rules for every way in.
/// </summary>
internal static class SuppressionRules
{
    public const int MaxActorLength = 100;

    /// <summary>As the message's <c>messageId</c> (SendEmailValidator): letters, digits and <c>. _ : @ -</c>, at most 200.</summary>
    public const int MaxSourceLength = 200;

    /// <summary>An address or <c>*@domain</c> as the list's key (lower case).</summary>
    public static string? Key(string? text, out string? problem)
    {
        problem = null;
        var value = text?.Trim() ?? "";
        if (value.Length == 0)
            return Fail("give an address (ann@example.org) or a whole domain (*@example.org)", out problem);
        if (value.Length > SuppressionKey.MaxLength)
            return Fail($"the address is {value.Length} characters long: at most {SuppressionKey.MaxLength}", out problem);
        if (value.Any(SafeText.IsUnsafe))
            return Fail("the address contains a control character (a line break, a tab, an escape) or a direction override", out problem);
        if (value.StartsWith(SuppressionKey.DomainPrefix, StringComparison.Ordinal))
        {
            var domain = value[SuppressionKey.DomainPrefix.Length..];
            if (Uri.CheckHostName(domain) != UriHostNameType.Dns || !domain.Contains('.', StringComparison.Ordinal))
                return Fail($"'{SafeText.Bound(value, 80)}' is not *@ followed by a domain name, e.g. *@example.org", out problem);
            return SuppressionKey.DomainPrefix + domain.ToLowerInvariant();
        }
        if (!MailAddress.TryCreate(value, out var address) || address.Address != value || !string.IsNullOrEmpty(address.DisplayName))
            return Fail($"'{SafeText.Bound(value, 80)}' is not a mail address: write it bare, e.g. ann@example.org (or *@example.org for a domain)", out problem);
        return SuppressionKey.Of(value);
    }

    /// <summary>One of <see cref="SuppressionReasons.All"/>; none given is <c>manual</c>.</summary>
    public static string? Reason(string? text, out string? problem)
    {
        problem = null;
        var value = string.IsNullOrWhiteSpace(text) ? SuppressionReasons.Manual : text.Trim().ToLowerInvariant();
        return SuppressionReasons.All.Contains(value)
            ? value
            : Fail($"reason '{SafeText.Bound(text ?? "", 40)}' is not one of {string.Join(", ", SuppressionReasons.All)}", out problem);
    }

    /// <summary>
    /// <c>global</c> (none given is global) or a stream's name as messages carry it (<see cref="SendEmailValidator.IsValidStreamName"/>:
    /// lower case, so an entry written <c>Broadcast</c> is refused rather than never matching).
    /// </summary>
    public static string? Scope(string? text, out string? problem)
    {
        problem = null;
        var value = string.IsNullOrWhiteSpace(text) ? SuppressionReasons.Global : text.Trim();
        return value == SuppressionReasons.Global || SendEmailValidator.IsValidStreamName(value)
            ? value
            : Fail($"scope '{SafeText.Bound(value, 70)}' is not {SuppressionReasons.Global} or a stream name (1-64 characters of a-z, 0-9 and . _ -, lower case)", out problem);
    }

    /// <summary>Who made the entry, at most <see cref="MaxActorLength"/> characters of printable text.</summary>
    public static string? Actor(string text, string what, out string? problem)
    {
        problem = null;
        var value = text.Trim();
        if (value.Length == 0)
            return Fail($"{what} is empty", out problem);
        if (value.Length > MaxActorLength)
            return Fail($"{what} is {value.Length} characters long: at most {MaxActorLength}", out problem);
        if (value.Any(SafeText.IsUnsafe))
            return Fail($"{what} contains a control character", out problem);
        return value;
    }

    /// <summary>The message whose bounce made the entry, shaped like a messageId; none given is none.</summary>
    public static bool Source(string? text, out string? source, out string? problem)
    {
        (source, problem) = (null, null);
        if (string.IsNullOrWhiteSpace(text))
            return true;
        var value = text.Trim();
        if (value.Length <= MaxSourceLength && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '@' or '-'))
        {
            source = value;
            return true;
        }
        problem = $"sourceMessageId '{SafeText.Bound(value, 80)}' is not a messageId (at most {MaxSourceLength} letters, digits and . _ : @ -)";
        return false;
    }

    private static string? Fail(string message, out string? problem)
    {
        problem = message;
        return null;
    }
}
