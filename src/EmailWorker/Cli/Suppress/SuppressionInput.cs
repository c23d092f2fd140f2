using System.Net.Mail;
using EmailWorker.Delivery.Suppression;
using EmailWorker.Diagnostics;

namespace EmailWorker.Cli.Suppress;

/// <summary>What an operator types for the suppression list, checked before the store is opened: bad input exits 2 with one clear line.</summary>
internal static class SuppressionInput
{
    private const int MaxActorLength = 100;

    /// <summary>An address or <c>*@domain</c> as the list's key (lower case).</summary>
    public static string Key(string? text)
    {
        var value = text?.Trim() ?? "";
        if (value.Length == 0)
            throw Usage("give an address (ann@example.org) or a whole domain (*@example.org)");
        if (value.Length > SuppressionKey.MaxLength)
            throw Usage($"the address is {value.Length} characters long: at most {SuppressionKey.MaxLength}");
        if (value.Any(char.IsControl))
            throw Usage("the address contains a control character (a line break, a tab, an escape)");
        if (value.StartsWith(SuppressionKey.DomainPrefix, StringComparison.Ordinal))
        {
            var domain = value[SuppressionKey.DomainPrefix.Length..];
            if (Uri.CheckHostName(domain) != UriHostNameType.Dns || !domain.Contains('.', StringComparison.Ordinal))
                throw Usage($"'{SafeText.Bound(value, 80)}' is not *@ followed by a domain name, e.g. *@example.org");
            return SuppressionKey.DomainPrefix + domain.ToLowerInvariant();
        }
        if (!MailAddress.TryCreate(value, out var address) || address.Address != value || !string.IsNullOrEmpty(address.DisplayName))
            throw Usage($"'{SafeText.Bound(value, 80)}' is not a mail address: write it bare, e.g. ann@example.org (or *@example.org for a domain)");
        return SuppressionKey.Of(value);
    }

    public static string Reason(string? text)
    {
        var value = text?.Trim().ToLowerInvariant() ?? SuppressionReasons.Manual;
        return SuppressionReasons.All.Contains(value)
            ? value
            : throw Usage($"reason '{SafeText.Bound(text ?? "", 40)}' is not one of {string.Join(", ", SuppressionReasons.All)}");
    }

    /// <summary>Who made the entry: <c>--by</c>, else the user running the command.</summary>
    public static string Actor(string? text)
    {
        var value = string.IsNullOrWhiteSpace(text) ? Environment.UserName : text.Trim();
        if (value.Length > MaxActorLength)
            throw Usage($"--by is {value.Length} characters long: at most {MaxActorLength}");
        if (value.Any(char.IsControl))
            throw Usage("--by contains a control character");
        return value;
    }

    private static OperatorException Usage(string message) => new(message, ExitCodes.Usage);
}
