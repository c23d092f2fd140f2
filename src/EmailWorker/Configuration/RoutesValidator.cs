namespace EmailWorker.Configuration;

/// <summary>The checks of <c>Smtp:Routes</c>: each route matches by exactly one of sender domain or tag, and names configured relays.</summary>
internal static class RoutesValidator
{
    public const int MaxRoutes = 1000;

    public static void Validate(OptionErrors errors, SmtpOptions options)
    {
        errors.Require(options.Routes.Count <= MaxRoutes, "Routes", $"lists {options.Routes.Count} routes: at most {MaxRoutes}");
        var known = RelaySettings.All(options).Select(r => r.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Routes.Count; i++)
        {
            var route = options.Routes[i];
            var prefix = $"Routes:{i}:";
            var byDomain = !string.IsNullOrWhiteSpace(route.SenderDomain);
            var byTag = !string.IsNullOrWhiteSpace(route.Tag);
            errors.Require(byDomain != byTag, $"{prefix}SenderDomain",
                "and Tag: give exactly one of them, e.g. SenderDomain example.com or Tag bulk (or tenant=acme)");
            if (byDomain)
            {
                errors.Require(route.SenderDomain!.Length <= 255 && !route.SenderDomain.Contains('@', StringComparison.Ordinal)
                    && route.SenderDomain.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-'),
                    $"{prefix}SenderDomain", $"is '{RelaysValidator.SafeName(route.SenderDomain)}': write a domain, e.g. example.com");
            }
            if (byTag)
            {
                errors.Require(route.Tag!.Length <= 200 && !route.Tag.Any(char.IsControl) && !route.Tag.StartsWith('='),
                    $"{prefix}Tag", $"is '{RelaysValidator.SafeName(route.Tag)}': write a tag's key (bulk) or key=value (tenant=acme)");
            }
            errors.Require(route.Relays.Count > 0, $"{prefix}Relays", "is empty: list the relays this route may use, the preferred first");
            foreach (var relay in route.Relays.Where(r => !known.Contains(r ?? "")))
            {
                errors.Add($"{prefix}Relays", $"names '{RelaysValidator.SafeName(relay)}', which is not a configured relay: use one of {string.Join(", ", known)}");
            }
        }
    }
}
