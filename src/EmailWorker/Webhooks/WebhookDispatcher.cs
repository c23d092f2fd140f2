using EmailWorker.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EmailWorker.Webhooks;

/// <summary>
/// Sends the outbox's due webhooks: claims a wave of them with a lease (so no other worker on the store sends them at the
/// same time), sends up to <c>Webhooks:Concurrency</c> at once, and records the wave's ends in one commit under the lease: delivered,
/// due again after the schedule's next wait, failed after the last, or — on 410 Gone — failed with its endpoint disabled.
/// A worker that dies mid-wave leaves its rows leased; another claims them when the lease ends (at worst a webhook goes
/// twice, with the same <c>webhook-id</c>).
/// </summary>
internal sealed class WebhookDispatcher(
    IWebhookStoreSource stores,
    WebhookSettings settings,
    WebhookSender sender,
    WebhookMetrics metrics,
    WebhookWakeUp wakeUp,
    TimeProvider time,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan CountInterval = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan StoreRetry = TimeSpan.FromSeconds(5);
    private const int WaveRequestsPerSlot = 16;
    private const int MaxWave = 256;

    // This process's claims: a lease is held by name, so a late record of a lost lease changes nothing.
    private readonly string _owner = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
    private long _lastCount = long.MinValue;

    private IReadOnlyList<WebhookEndpoint> Endpoints => settings.Endpoints;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (Endpoints.Count == 0)
            return;
        var concurrency = settings.Concurrency;
        while (!stoppingToken.IsCancellationRequested)
        {
            var sent = 0;
            try
            {
                var store = await stores.GetAsync(stoppingToken);
                await CountPendingAsync(store, stoppingToken);
                sent = await SendWaveAsync(store, concurrency, stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                Log.WebhookStoreFailed(logger, "send the due webhooks", ex.Message, StoreRetry);
                await Task.Delay(StoreRetry, time, stoppingToken);
                continue;
            }
            // A full wave: more may be due at once. Else wait for the writer's signal or the next poll.
            if (sent < Math.Min(WaveRequestsPerSlot * concurrency, MaxWave))
                await wakeUp.WaitAsync(PollInterval, stoppingToken);
        }
    }

    private async Task<int> SendWaveAsync(IWebhookStore store, int concurrency, CancellationToken stoppingToken)
    {
        var enabled = await EnabledEndpointsAsync(store, stoppingToken);
        var now = time.GetUtcNow();
        // A wave is several requests per slot, recorded in one commit at its end; the lease covers every request of it
        // (each bounded by the timeout) and the record.
        var limit = Math.Min(WaveRequestsPerSlot * concurrency, MaxWave);
        var lease = (limit / concurrency + 1) * settings.Timeout + TimeSpan.FromSeconds(30);
        var rows = await store.ClaimDueAsync(enabled, _owner, now, now + lease, limit, stoppingToken);
        var gone = new HashSet<string>(StringComparer.Ordinal);
        var ends = new List<(OutboxRow Row, WebhookEndpoint Endpoint, AttemptResult Result, AttemptVerdict Verdict)>();
        await Parallel.ForEachAsync(rows, new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = stoppingToken },
            async (row, token) =>
            {
                var endpoint = Endpoints.First(e => e.Name == row.Endpoint);
                lock (gone)
                {
                    // Disabled earlier in this wave: the row stays pending (its lease runs out) until the endpoint is enabled.
                    if (gone.Contains(endpoint.Name))
                        return;
                }
                var result = await sender.SendAsync(endpoint, row, token);
                var verdict = WebhookAttempts.Judge(result, row.Attempts, settings.Schedule, time.GetUtcNow(), Random.Shared.NextDouble());
                lock (gone)
                {
                    if (verdict is AttemptVerdict.Gone)
                        gone.Add(endpoint.Name);
                    ends.Add((row, endpoint, result, verdict));
                }
            });
        var end = time.GetUtcNow();
        var recorded = await store.RecordAttemptsAsync([.. ends.Select(e => Record(e.Row, e.Result, e.Verdict, end))], _owner, end, stoppingToken);
        foreach (var (row, endpoint, result, verdict) in ends.Where(e => recorded.Contains(e.Row.Id)))
            await ReportAsync(store, row, endpoint, result, verdict, end, stoppingToken);
        return rows.Count;
    }

    private static AttemptRecord Record(OutboxRow row, AttemptResult result, AttemptVerdict verdict, DateTimeOffset now)
    {
        var (state, next) = verdict switch
        {
            AttemptVerdict.Delivered => (OutboxState.Delivered, now),
            AttemptVerdict.Retry retry => (OutboxState.Pending, retry.At),
            _ => (OutboxState.Failed, now),
        };
        return new AttemptRecord(row.Id, state, next, result.Status, result.Error);
    }

    /// <summary>Configured endpoints that are not disabled by a 410 from their present URL.</summary>
    private async Task<IReadOnlyCollection<string>> EnabledEndpointsAsync(IWebhookStore store, CancellationToken stoppingToken)
    {
        var disabled = await store.DisabledEndpointsAsync(stoppingToken);
        return [.. Endpoints.Where(e => !disabled.Any(d => d.Endpoint == e.Name && d.Url == e.Url.AbsoluteUri)).Select(e => e.Name)];
    }

    private async Task ReportAsync(IWebhookStore store, OutboxRow row, WebhookEndpoint endpoint, AttemptResult result, AttemptVerdict verdict,
        DateTimeOffset now, CancellationToken stoppingToken)
    {
        var attempt = row.Attempts + 1;
        var reason = result.Error ?? "";
        switch (verdict)
        {
            case AttemptVerdict.Delivered:
                metrics.Delivered(endpoint.Name);
                Log.WebhookDelivered(logger, endpoint.Name, row.WebhookId, row.EventType, attempt);
                break;
            case AttemptVerdict.Retry retry:
                metrics.AttemptFailed(endpoint.Name);
                Log.WebhookRetry(logger, endpoint.Name, row.WebhookId, attempt, reason, retry.At);
                break;
            case AttemptVerdict.Failed:
                metrics.AttemptFailed(endpoint.Name);
                metrics.Failed(endpoint.Name);
                Log.WebhookFailed(logger, endpoint.Name, row.WebhookId, attempt, reason);
                break;
            case AttemptVerdict.Gone:
                metrics.AttemptFailed(endpoint.Name);
                metrics.Failed(endpoint.Name);
                await store.DisableEndpointAsync(new DisabledEndpoint(endpoint.Name, endpoint.Url.AbsoluteUri, now), stoppingToken);
                Log.WebhookEndpointGone(logger, endpoint.Name);
                break;
        }
    }

    private async Task CountPendingAsync(IWebhookStore store, CancellationToken stoppingToken)
    {
        var now = time.GetTimestamp();
        if (_lastCount != long.MinValue && time.GetElapsedTime(_lastCount, now) < CountInterval)
            return;
        _lastCount = now;
        var pending = await store.CountPendingAsync(stoppingToken);
        metrics.SetPending(Endpoints.ToDictionary(e => e.Name, e => pending.GetValueOrDefault(e.Name), StringComparer.Ordinal));
    }
}
