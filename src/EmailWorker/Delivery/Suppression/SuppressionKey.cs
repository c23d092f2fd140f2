namespace EmailWorker.Delivery.Suppression;

/// <summary>
/// The keys of the suppression list: an address in lower case, and <c>*@domain</c> for the address's domain. A recipient is
/// suppressed when either key is listed.
/// </summary>
internal static class SuppressionKey
{
    public const string DomainPrefix = "*@";

    /// <summary>Longest key accepted (an address is at most 254 characters by RFC 5321's path limit).</summary>
    public const int MaxLength = 256;

    public static string Of(string address) => address.Trim().ToLowerInvariant();

    /// <summary>The <c>*@domain</c> key of an address, null when it has no domain.</summary>
    public static string? DomainOf(string address)
    {
        var at = address.LastIndexOf('@');
        return at < 0 || at == address.Length - 1 ? null : DomainPrefix + address[(at + 1)..].Trim().ToLowerInvariant();
    }

    /// <summary>Both keys of each address: what one look-up asks for.</summary>
    public static IReadOnlyCollection<string> LookupKeys(IEnumerable<string> addresses)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var address in addresses)
        {
            keys.Add(Of(address));
            if (DomainOf(address) is { } domain)
                keys.Add(domain);
        }
        return keys;
    }
}
