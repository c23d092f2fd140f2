using EmailWorker.Configuration;
using EmailWorker.Delivery.Suppression;
using EmailWorker.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EmailWorker.Worker;

/// <summary>
/// Removes soft-failure counts whose run started longer than <c>Suppression:SoftFailures:Window</c> ago (the next failure
/// would start a new run anyway): at start and every hour, in every worker that counts them, as the ledger's sweep does.
/// </summary>
internal sealed class SoftFailureSweeper(ISuppressionStoreSource stores, IOptions<SuppressionOptions> options, TimeProvider time,
    ILogger<SoftFailureSweeper> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var soft = options.Value.SoftFailures;
        if (!options.Value.Enabled || !soft.Enabled)
            return;
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                var store = await stores.GetAsync(stoppingToken);
                var deleted = await store.DeleteSoftFailuresAsync(time.GetUtcNow() - soft.WindowValue, stoppingToken);
                if (deleted > 0)
                    Log.SoftFailuresSwept(logger, deleted, soft.Window);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested && ex is not OperationCanceledException)
            {
                Log.SoftFailureSweepFailed(logger, SafeText.Bound(ex.Message, 300), Interval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
