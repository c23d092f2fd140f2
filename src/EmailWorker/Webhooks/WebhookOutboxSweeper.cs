using EmailWorker.Configuration;
using EmailWorker.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EmailWorker.Webhooks;

/// <summary>
/// Removes delivered webhooks once older than the retention (<c>DeadLetters:Retention</c>, as replayed and purged letters
/// are): at start and every hour, where webhooks are sent. Failed and pending rows stay until sent or replayed.
/// </summary>
internal sealed class WebhookOutboxSweeper(IWebhookStoreSource stores, WebhookSettings settings, IOptions<DeadLetterOptions> deadLetters,
    TimeProvider time, ILogger<WebhookOutboxSweeper> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (settings.Endpoints.Count == 0 || !Duration.TryParse(deadLetters.Value.Retention, out var retention))
            return;
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                var store = await stores.GetAsync(stoppingToken);
                var deleted = await store.DeleteDeliveredWebhooksAsync(time.GetUtcNow() - retention, stoppingToken);
                if (deleted > 0)
                    Log.WebhookRetentionDeleted(logger, deleted, retention);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                Log.WebhookStoreFailed(logger, "remove delivered webhooks", ex.Message, Interval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
