using System.Diagnostics.Metrics;
using EmailWorker.Diagnostics;

namespace EmailWorker.Webhooks;

/// <summary>
/// Per endpoint (attribute <c>emailworker.webhook.endpoint</c>, a configured name): webhooks delivered, failed for good,
/// attempts that did not succeed, and those pending in the outbox (a gauge from the dispatcher's last count).
/// </summary>
internal sealed class WebhookMetrics
{
    public const string EndpointAttribute = "emailworker.webhook.endpoint";

    private readonly Counter<long> _delivered;
    private readonly Counter<long> _failed;
    private readonly Counter<long> _attemptsFailed;
    private volatile IReadOnlyDictionary<string, long> _pending = new Dictionary<string, long>();

    public WebhookMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(Telemetry.Name);
        _delivered = meter.CreateCounter<long>("emailworker.webhooks.delivered", "{webhook}", "Webhooks the endpoint took (2xx)");
        _failed = meter.CreateCounter<long>("emailworker.webhooks.failed", "{webhook}",
            "Webhooks that failed for good: the last attempt of the schedule failed, or the endpoint answered 410 Gone");
        _attemptsFailed = meter.CreateCounter<long>("emailworker.webhooks.attempts.failed", "{attempt}",
            "Attempts that did not succeed (no reply, or a status other than 2xx)");
        meter.CreateObservableGauge("emailworker.webhooks.pending", ObservePending, "{webhook}",
            "Webhooks in the outbox still to be sent (as of the dispatcher's last count, every 15 s)");
    }

    public void Delivered(string endpoint) => _delivered.Add(1, new KeyValuePair<string, object?>(EndpointAttribute, endpoint));

    public void Failed(string endpoint) => _failed.Add(1, new KeyValuePair<string, object?>(EndpointAttribute, endpoint));

    public void AttemptFailed(string endpoint) => _attemptsFailed.Add(1, new KeyValuePair<string, object?>(EndpointAttribute, endpoint));

    /// <summary>The latest count of pending rows, for every configured endpoint (0 where none).</summary>
    public void SetPending(IReadOnlyDictionary<string, long> pending) => _pending = pending;

    private IEnumerable<Measurement<long>> ObservePending() =>
        _pending.Select(p => new Measurement<long>(p.Value, new KeyValuePair<string, object?>(EndpointAttribute, p.Key)));
}
