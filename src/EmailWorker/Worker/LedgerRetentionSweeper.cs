using EmailWorker.Configuration;
using EmailWorker.Delivery.Ledger;
using EmailWorker.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EmailWorker.Worker;

/// <summary>
/// Removes delivered-ledger rows last changed longer than <c>Delivery:LedgerRetention</c> ago: at start and every hour,
/// in every worker that keeps the ledger (as <c>DeadLetters/Store/RetentionSweeper</c> does for the letters' history).
/// </summary>
internal sealed class LedgerRetentionSweeper(ILedgerStoreSource stores, IOptions<DeliveryOptions> options, TimeProvider time,
    ILogger<LedgerRetentionSweeper> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Ledger || !Duration.TryParse(options.Value.LedgerRetention, out var retention))
            return;
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                var store = await stores.GetAsync(stoppingToken);
                var deleted = await store.DeleteLedgerAsync(time.GetUtcNow() - retention, stoppingToken);
                if (deleted > 0)
                    Log.LedgerRetentionDeleted(logger, deleted, retention, store.Description);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested && ex is not OperationCanceledException)
            {
                Log.LedgerRetentionFailed(logger, ex.Message, Interval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
