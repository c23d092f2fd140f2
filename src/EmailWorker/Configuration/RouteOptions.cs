namespace EmailWorker.Configuration;

/// <summary>
/// One entry of <c>Smtp:Routes</c>: messages from <see cref="SenderDomain"/>, or carrying <see cref="Tag"/>, go to the
/// first usable relay of <see cref="Relays"/>, in that order. The first route that matches a message wins.
/// </summary>
internal sealed class RouteOptions
{
    /// <summary>The sender address's domain (case-insensitive, exact): <c>example.com</c> matches <c>shop@example.com</c>.</summary>
    public string? SenderDomain { get; set; }

    /// <summary>A tag of the message: <c>bulk</c> (the key is present) or <c>tenant=acme</c> (the key has that value).</summary>
    public string? Tag { get; set; }

    /// <summary>Relay names from <c>Smtp:Relays</c>, the first preferred; the next ones take over while it is down.</summary>
    public List<string> Relays { get; set; } = [];
}
