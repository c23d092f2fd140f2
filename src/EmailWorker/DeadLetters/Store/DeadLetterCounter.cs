using EmailWorker.Configuration;
using EmailWorker.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EmailWorker.DeadLetters.Store;

/// <summary>
/// Counts the letters still dead in the store every <see cref="Interval"/> for the <c>emailworker.dead_letters</c> gauge,
/// in the process that ingests (where the store is this host's). A scrape reads the last count and never waits for the
/// store; a failed count leaves the last one standing.
/// </summary>
internal sealed class DeadLetterCounter(DeadLetterStoreProvider stores, IOptions<DeadLetterOptions> options, TimeProvider time)
    : BackgroundService, IDeadLetterCount
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);
    private long _count = -1;

    public long? Current => Interlocked.Read(ref _count) is >= 0 and var count ? count : null;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Ingest)
            return;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var store = await stores.GetAsync(stoppingToken);
                Interlocked.Exchange(ref _count, await store.CountAsync(new LetterSelection(), stoppingToken));
            }
            catch (Exception) when (!stoppingToken.IsCancellationRequested)
            {
                // The ingester logs a store that is down; the gauge just keeps its last value.
            }
            await Task.Delay(Interval, time, stoppingToken);
        }
    }
}
