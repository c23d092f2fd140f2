using EmailWorker.Configuration;
using EmailWorker.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EmailWorker.DeadLetters.Store;

/// <summary>
/// Removes replayed and purged letters (and ended replay jobs) once they are older than <c>DeadLetters:Retention</c>: at
/// start and every hour, in the processes that ingest. Dead letters themselves are never removed by time.
/// </summary>
internal sealed class RetentionSweeper(DeadLetterStoreProvider stores, IOptions<DeadLetterOptions> options, TimeProvider time,
    ILogger<RetentionSweeper> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Ingest || !Duration.TryParse(options.Value.Retention, out var retention))
            return;
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                var store = await stores.GetAsync(stoppingToken);
                var deleted = await store.DeleteHistoryAsync(time.GetUtcNow() - retention, stoppingToken);
                if (deleted > 0)
                    Log.DeadLetterRetentionDeleted(logger, deleted, retention, store.Description);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                Log.DeadLetterRetentionFailed(logger, ex.Message, Interval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
