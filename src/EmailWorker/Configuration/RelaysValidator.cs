namespace EmailWorker.Configuration;

/// <summary>
/// The checks of <c>Smtp:Relays</c>: one form only (the single-relay keys that name a relay stay empty), every entry a
/// unique name, a host and valid values (the single-relay keys' checks, under its own keys), and a weight.
/// </summary>
internal static class RelaysValidator
{
    public const int MaxRelays = 32;
    public const int MaxNameLength = 64;
    public const int MaxWeight = 1000;

    /// <summary>1–64 characters of [A-Za-z0-9._-]: safe in logs, metrics, URLs and the message field.</summary>
    public static bool IsValidName(string? name) =>
        name is { Length: >= 1 and <= MaxNameLength } && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    public static void Validate(OptionErrors errors, SmtpOptions options)
    {
        foreach (var (key, value) in new[] { ("Host", options.Host), ("Username", options.Username), ("Password", options.Password), ("TrustedCaFile", options.TrustedCaFile) })
        {
            errors.Require(string.IsNullOrEmpty(value), key,
                "is set while Smtp:Relays lists relays: use one form — put it into each relay's entry (Smtp:Relays:0:" + key + ") and set Smtp:" + key + " to empty, or remove Smtp:Relays");
        }
        errors.Require(options.Relays.Count <= MaxRelays, "Relays", $"lists {options.Relays.Count} relays: at most {MaxRelays}");
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var settings = RelaySettings.All(options);
        for (var i = 0; i < options.Relays.Count; i++)
        {
            var relay = options.Relays[i];
            var prefix = $"Relays:{i}:";
            if (!IsValidName(relay.Name))
                errors.Add($"{prefix}Name", $"is '{SafeName(relay.Name)}': use 1 to {MaxNameLength} characters of A-Z, a-z, 0-9 and . _ -, e.g. ses-eu");
            else if (!names.Add(relay.Name))
                errors.Add($"{prefix}Name", $"is '{relay.Name}', the name of an earlier relay: give every relay its own name");
            errors.Require(!string.IsNullOrWhiteSpace(relay.Host), $"{prefix}Host", "is empty: name the SMTP relay, e.g. email-smtp.eu-west-1.amazonaws.com");
            errors.Require(relay.Weight is >= 0 and <= MaxWeight, $"{prefix}Weight", $"is {relay.Weight}: use 0 (only through routes or to fail over to) to {MaxWeight}");
            var resolved = settings[i];
            SmtpOptionsValidator.ValidateRelay(errors, prefix, resolved.Connection, resolved.MinConnections, relay.MaxRatePerSecond ?? options.Adaptive.MaxRatePerSecond);
        }
        errors.Require(options.Relays.Exists(r => r.Weight > 0), "Relays",
            "has no relay with a Weight above 0: the messages no route places need one");
    }

    /// <summary>A configured value shown back, bounded and stripped of control characters.</summary>
    internal static string SafeName(string? value) =>
        value is null ? "" : new string([.. value.Take(80).Select(c => char.IsControl(c) ? '?' : c)]);
}
