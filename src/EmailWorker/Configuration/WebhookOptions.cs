namespace EmailWorker.Configuration;

/// <summary>Section <c>Webhooks</c>: signed HTTP notifications of the status events (docs/webhooks.md).</summary>
internal sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary>Where the events go; none (the default) turns webhooks off. URLs come from here only, never from a message.</summary>
    public List<WebhookEndpointOptions> Endpoints { get; set; } = [];

    /// <summary>The waits between attempts after the first (immediate) one; Svix's schedule, about three days in all.</summary>
    public string Schedule { get; set; } = "5s,5m,30m,2h,5h,10h,10h";

    /// <summary>Each wait is spread by up to this share either way, so a receiver that comes back is not hit all at once.</summary>
    public int JitterPercent { get; set; } = 20;

    /// <summary>One request's limit: connecting, sending and the reply's status line.</summary>
    public string Timeout { get; set; } = "15s";

    /// <summary>A receiver's <c>Retry-After</c> is honoured up to this long; a longer one is cut to it.</summary>
    public string MaxRetryAfter { get; set; } = "1h";

    /// <summary>Plain <c>http://</c> to a loopback address (127.0.0.1, ::1, localhost): for tests and a receiver on the same host.</summary>
    public bool AllowLoopbackHttp { get; set; }

    /// <summary>Requests in flight at once per worker, over all endpoints.</summary>
    public int Concurrency { get; set; } = 8;
}
