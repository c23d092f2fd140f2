namespace EmailWorker.Delivery;

/// <summary>A change of a relay's limits and why, for the log: e.g. "relay default: 4 → 3 connections after 421 4.7.0 at connect".</summary>
internal sealed record LimitChange(string Relay, int FromConnections, int ToConnections, double? FromRate, double? ToRate, string Reason)
{
    public bool Decreased => ToConnections < FromConnections || (ToRate ?? double.MaxValue) < (FromRate ?? double.MaxValue);

    public string Limits
    {
        get
        {
            var parts = new List<string>(2);
            if (FromConnections != ToConnections)
                parts.Add($"{FromConnections} → {ToConnections} connections");
            if (FromRate != ToRate)
                parts.Add($"{Rate(FromRate)} → {Rate(ToRate)} transactions/s");
            return string.Join(", ", parts);
        }
    }

    private static string Rate(double? rate) => rate is { } value ? value.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) : "unlimited";

    public override string ToString() => $"relay {Relay}: {Limits} {Reason}";
}
