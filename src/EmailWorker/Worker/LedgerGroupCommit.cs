using System.Diagnostics;
using System.Threading.Channels;
using EmailWorker.Delivery.Ledger;
using EmailWorker.Diagnostics;

namespace EmailWorker.Worker;

/// <summary>
/// Group commit for the delivered ledger: every handler's write waits in a queue, and one loop writes whatever has
/// gathered in one transaction — so the cost of a durable commit (an fsync in SQLite, a round trip and a WAL flush in
/// PostgreSQL) is shared by all handlers that wrote meanwhile. No timer: while one commit runs the next batch gathers,
/// so an idle worker waits for nothing and a busy one commits in batches as large as its concurrency.
/// </summary>
internal sealed class LedgerGroupCommit : IAsyncDisposable
{
    /// <summary>Writes per transaction at most (each handler has at most one waiting, so this is rarely reached).</summary>
    private const int MaxWrites = 256;
    private readonly ILedgerStoreSource _stores;
    private readonly WorkerMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;

    public LedgerGroupCommit(ILedgerStoreSource stores, WorkerMetrics metrics, TimeProvider time)
    {
        _stores = stores;
        _metrics = metrics;
        _time = time;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Completes once the write is committed (with the rows found for its claims), or fails with the commit.</summary>
    public Task<IReadOnlyList<LedgerEntry>> WriteAsync(LedgerWrite write)
    {
        var pending = new Pending(write, new TaskCompletionSource<IReadOnlyList<LedgerEntry>>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending))
            pending.Done.SetException(new ObjectDisposedException(nameof(LedgerGroupCommit)));
        return pending.Done.Task;
    }

    private async Task LoopAsync()
    {
        var batch = new List<Pending>();
        while (await _queue.Reader.WaitToReadAsync())
        {
            while (batch.Count < MaxWrites && _queue.Reader.TryRead(out var pending))
                batch.Add(pending);
            await CommitAsync(batch);
            batch.Clear();
        }
    }

    private async Task CommitAsync(List<Pending> batch)
    {
        try
        {
            var store = await _stores.GetAsync(CancellationToken.None);
            var started = Stopwatch.GetTimestamp();
            var found = await store.WriteLedgerAsync([.. batch.Select(p => p.Write)], _time.GetUtcNow(), CancellationToken.None);
            _metrics.LedgerCommitted(started, batch.Count);
            for (var i = 0; i < batch.Count; i++)
                batch[i].Done.TrySetResult(found[i]);
        }
        catch (Exception ex)
        {
            foreach (var pending in batch)
                pending.Done.TrySetException(ex);
        }
    }

    /// <summary>Commits what is waiting, then stops taking writes.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
    }

    private sealed record Pending(LedgerWrite Write, TaskCompletionSource<IReadOnlyList<LedgerEntry>> Done);
}
