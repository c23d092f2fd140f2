namespace EmailWorker.Configuration;

/// <summary>One receiver of webhooks (<c>Webhooks:Endpoints:N</c>).</summary>
internal sealed class WebhookEndpointOptions
{
    /// <summary>Its name in the outbox, the commands, the dashboard and the metrics: letters, digits, '.', '-', '_'.</summary>
    public string Name { get; set; } = "";

    public string Url { get; set; } = "";

    /// <summary>
    /// One or two <c>whsec_</c> secrets (base64 after the prefix). With two, every request is signed with both (rotation):
    /// the receiver moves to the new one while the old one still verifies.
    /// </summary>
    public List<string> Secrets { get; set; } = [];

    /// <summary>The status events it gets, by routing key: <c>email.delivered</c>, <c>email.dead-lettered</c>, …</summary>
    public List<string> EventTypes { get; set; } = [];

    /// <summary>Only events of messages whose <c>tags</c> hold every one of these (e.g. <c>tenant: acme</c>); none: all.</summary>
    public Dictionary<string, string> Tags { get; set; } = [];
}
