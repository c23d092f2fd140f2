using EmailWorker.Configuration;
using EmailWorker.Delivery.Suppression;
using EmailWorker.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EmailWorker.Worker;

/// <summary>
/// The list's keys in memory (<c>Suppression:Filter</c>), so that a message none of whose keys may be listed needs no
/// query: a Bloom filter (<see cref="KeyBloomFilter"/>) of every entry's and soft-failure count's key, loaded at start and
/// brought up to date every <c>Suppression:FilterRefresh</c> with the keys of the later generations (see StoreSchema: the
/// counter misses no row, whichever process added it). The worker's own additions go in at once. It is consulted only
/// while its last refresh started at most twice the refresh interval ago: past that (the database is away or slow), every
/// message is looked up in the database again. So an entry another process adds is missed for at most that long.
/// Removed entries stay in it until the next reload: a "maybe" is answered by the database, never by the filter.
/// </summary>
internal sealed class SuppressionFilter(ISuppressionStoreSource stores, IOptions<SuppressionOptions> options, TimeProvider time,
    ILogger<SuppressionFilter> logger) : BackgroundService
{
    /// <summary>A filter sized for twice the keys it is loaded with is reloaded (larger) once it holds more than its capacity.</summary>
    private const int Headroom = 2;

    /// <summary>100 million keys (~120 MiB of bits): past it the filter stays at this size and answers "maybe" more often.</summary>
    private const int MaxCapacity = 100_000_000;
    private readonly object _adding = new();
    private volatile KeyBloomFilter? _current;
    private List<string>? _addedWhileLoading;
    private long _generation = -1;
    private long _refreshStartedAt;
    private bool _failing;

    private TimeSpan MaxAge => options.Value.FilterRefreshValue * 2;

    /// <summary>False only when the filter is current and holds none of <paramref name="keys"/>: then none is listed.</summary>
    public bool MayHold(IEnumerable<string> keys)
    {
        var current = _current;
        if (current is null || time.GetElapsedTime(Volatile.Read(ref _refreshStartedAt)) > MaxAge)
            return true;
        foreach (var key in keys)
            if (current.MayContain(key))
                return true;
        return false;
    }

    /// <summary>Keys this worker just wrote to the store (entries or counts): in the filter before the next message is looked up.</summary>
    public void Added(IEnumerable<string> keys)
    {
        lock (_adding)
        {
            foreach (var key in keys)
            {
                _current?.Add(key);
                _addedWhileLoading?.Add(key);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled || !options.Value.Filter)
            return;
        using var timer = new PeriodicTimer(options.Value.FilterRefreshValue, time);
        do
        {
            try
            {
                await RefreshAsync(stoppingToken);
                _failing = false;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested && ex is not OperationCanceledException)
            {
                // Once per run of failures: the filter stops being used after MaxAge by itself.
                if (!_failing)
                    Log.SuppressionFilterFailed(logger, SafeText.Bound(ex.Message, 300), MaxAge);
                _failing = true;
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One refresh: the whole list when there is no filter yet or it is full, else the generations after the last read.</summary>
    internal async Task RefreshAsync(CancellationToken cancellationToken)
    {
        // Taken before the read: every key committed before it is in what the read returns.
        var startedAt = time.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(MaxAge);
        var store = await stores.GetAsync(timeout.Token);
        var current = _current;
        if (current is not null && current.Count <= current.Capacity)
        {
            var added = new List<string>();
            _generation = await store.ReadKeysSinceAsync(_generation, added.Add, timeout.Token);
            Added(added);
        }
        else
        {
            await LoadAsync(store, cancellationToken);
        }
        Volatile.Write(ref _refreshStartedAt, startedAt);
    }

    /// <summary>
    /// Reads every key into a new filter, as read (a million keys are never held as strings at once); the worker's own
    /// additions meanwhile are kept aside and added to it. Keys added by others between the count and the read only fill it sooner.
    /// </summary>
    private async Task LoadAsync(ISuppressionStore store, CancellationToken cancellationToken)
    {
        lock (_adding)
            _addedWhileLoading = [];
        try
        {
            // Not bounded by MaxAge: a million keys take longer; the filter in use (if any) is not consulted meanwhile.
            var count = await store.CountKeysAsync(cancellationToken);
            var filter = new KeyBloomFilter((int)Math.Min(count * Headroom, MaxCapacity));
            var generation = await store.ReadKeysSinceAsync(-1, filter.Add, cancellationToken);
            lock (_adding)
            {
                foreach (var key in _addedWhileLoading)
                    filter.Add(key);
                _current = filter;
            }
            _generation = generation;
            Log.SuppressionFilterLoaded(logger, filter.Count, filter.Capacity);
        }
        finally
        {
            lock (_adding)
                _addedWhileLoading = null;
        }
    }
}
