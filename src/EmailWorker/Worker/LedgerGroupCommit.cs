using System.Diagnostics;
using System.Threading.Channels;
using EmailWorker.Delivery.Ledger;
using EmailWorker.Diagnostics;

namespace EmailWorker.Worker;

/// <summary>
/// Group commit for the delivered ledger: every handler's look-up and write waits in a queue, and one loop runs whatever
/// has gathered — the look-ups as one statement, the writes in one transaction — so the cost of the statements and of a
/// durable commit (an fsync in SQLite, a round trip and a WAL flush in PostgreSQL) is shared by all handlers meanwhile. No
/// timer: while one batch runs the next gathers, so an idle worker waits for nothing and a busy one works in batches as
/// large as its concurrency.
/// </summary>
internal sealed class LedgerGroupCommit : IAsyncDisposable
{
    /// <summary>Requests per batch at most (each handler has at most one waiting, so this is rarely reached).</summary>
    private const int MaxRequests = 256;
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
    public Task<IReadOnlyList<LedgerEntry>> WriteAsync(LedgerWrite write) => Enqueue(new Pending(write, null));

    /// <summary>The ledger's rows for one message, read in the next batch.</summary>
    public Task<IReadOnlyList<LedgerEntry>> LookUpAsync(string messageId) => Enqueue(new Pending(null, messageId));

    private Task<IReadOnlyList<LedgerEntry>> Enqueue(Pending pending)
    {
        if (!_queue.Writer.TryWrite(pending))
            pending.Done.SetException(new ObjectDisposedException(nameof(LedgerGroupCommit)));
        return pending.Done.Task;
    }

    private async Task LoopAsync()
    {
        var lookUps = new List<Pending>();
        var writes = new List<Pending>();
        while (await _queue.Reader.WaitToReadAsync())
        {
            while (lookUps.Count + writes.Count < MaxRequests && _queue.Reader.TryRead(out var pending))
                (pending.Write is null ? lookUps : writes).Add(pending);
            if (lookUps.Count > 0)
                await RunAsync(lookUps, (store, batch) => store.LookUpLedgerAsync([.. batch.Select(p => p.MessageId!)], CancellationToken.None));
            if (writes.Count > 0)
                await RunAsync(writes, async (store, batch) =>
                {
                    var started = Stopwatch.GetTimestamp();
                    var found = await store.WriteLedgerAsync([.. batch.Select(p => p.Write!)], _time.GetUtcNow(), CancellationToken.None);
                    _metrics.LedgerCommitted(started, batch.Count);
                    return found;
                });
            lookUps.Clear();
            writes.Clear();
        }
    }

    private async Task RunAsync(List<Pending> batch, Func<ILedgerStore, List<Pending>, Task<IReadOnlyList<IReadOnlyList<LedgerEntry>>>> work)
    {
        try
        {
            var store = await _stores.GetAsync(CancellationToken.None);
            var found = await work(store, batch);
            for (var i = 0; i < batch.Count; i++)
                batch[i].Done.TrySetResult(found[i]);
        }
        catch (Exception ex)
        {
            foreach (var pending in batch)
                pending.Done.TrySetException(ex);
        }
    }

    /// <summary>Runs what is waiting, then stops taking requests.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
    }

    /// <summary>A write (<see cref="Write"/>) or a look-up of one message's rows (<see cref="MessageId"/>).</summary>
    private sealed record Pending(LedgerWrite? Write, string? MessageId)
    {
        public TaskCompletionSource<IReadOnlyList<LedgerEntry>> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
