using EmailWorker.Configuration;
using Microsoft.Extensions.Options;

namespace EmailWorker.Webhooks;

/// <summary>
/// <c>Webhooks</c> made ready to use (endpoints with their signers, the schedule, the timeout), read on first use: the
/// services are built before the host checks the options, and a wrong value must stop start-up with its message, not
/// with an exception thrown while a service is constructed.
/// </summary>
internal sealed class WebhookSettings(IOptions<WebhookOptions> options)
{
    private readonly Lazy<IReadOnlyList<WebhookEndpoint>> _endpoints = new(() => WebhookEndpoint.AllFrom(options.Value));
    private readonly Lazy<WebhookSchedule> _schedule = new(() => WebhookSchedule.From(options.Value));

    public IReadOnlyList<WebhookEndpoint> Endpoints => _endpoints.Value;

    public WebhookSchedule Schedule => _schedule.Value;

    public TimeSpan Timeout => Duration.TryParse(options.Value.Timeout, out var timeout) ? timeout : TimeSpan.FromSeconds(15);

    public int Concurrency => options.Value.Concurrency;
}
