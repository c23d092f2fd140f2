using EmailWorker.Configuration;
using StandardWebhooks;

namespace EmailWorker.Webhooks;

/// <summary>A configured receiver, ready to use: its signers (one per secret) and which events it gets.</summary>
internal sealed class WebhookEndpoint
{
    private readonly IReadOnlyList<StandardWebhook> _signers;
    private readonly HashSet<string> _eventTypes;
    private readonly IReadOnlyDictionary<string, string> _tags;

    private WebhookEndpoint(string name, Uri url, IReadOnlyList<StandardWebhook> signers, HashSet<string> eventTypes, IReadOnlyDictionary<string, string> tags)
    {
        Name = name;
        Url = url;
        _signers = signers;
        _eventTypes = eventTypes;
        _tags = tags;
    }

    public string Name { get; }

    public Uri Url { get; }

    public IReadOnlyCollection<string> EventTypes => _eventTypes;

    public IReadOnlyDictionary<string, string> Tags => _tags;

    /// <summary>From validated options (<see cref="WebhookOptionsValidator"/>).</summary>
    public static WebhookEndpoint From(WebhookEndpointOptions options) => new(
        options.Name,
        new Uri(options.Url, UriKind.Absolute),
        [.. options.Secrets.Select(secret => new StandardWebhook(secret))],
        new HashSet<string>(options.EventTypes, StringComparer.Ordinal),
        new Dictionary<string, string>(options.Tags, StringComparer.Ordinal));

    public static IReadOnlyList<WebhookEndpoint> AllFrom(WebhookOptions options) => [.. options.Endpoints.Select(From)];

    /// <summary>Whether an event of this type, of a message with these tags, goes to this endpoint.</summary>
    public bool Wants(string eventType, IReadOnlyDictionary<string, string> tags) =>
        _eventTypes.Contains(eventType) && _tags.All(t => tags.TryGetValue(t.Key, out var value) && value == t.Value);

    /// <summary>
    /// The <c>webhook-signature</c> header: <c>v1,</c> and the base64 HMAC-SHA256 of <c>id.timestamp.payload</c> for each
    /// secret, separated by a space (Standard Webhooks). Signed anew at every attempt, since the timestamp is the attempt's.
    /// </summary>
    public string Signature(string webhookId, DateTimeOffset timestamp, string payload) =>
        string.Join(' ', _signers.Select(signer => signer.Sign(webhookId, timestamp, payload)));
}
