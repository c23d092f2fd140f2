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
/// large as its concurrency. A record nobody waits for (<see cref="Record"/>) is made durable before the acks that
/// depend on it by <see cref="RecordedAsync"/>: one wait per ack batch instead of one per message, and none when every
/// write handed over is already over.
/// </summary>
internal sealed class LedgerGroupCommit : IAsyncDisposable
{
    /// <summary>Requests per batch at most (each handler has at most one waiting, so this is rarely reached).</summary>
    private const int MaxRequests = 256;
    private static readonly IReadOnlyList<LedgerEntry> Nothing = [];
    private readonly ILedgerStoreSource _stores;
    private readonly WorkerMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;

    /// <summary>Writes handed over, and writes whose batch is over (committed or failed): the acks' wait compares them.</summary>
    private long _writesQueued, _writesOver;

    public LedgerGroupCommit(ILedgerStoreSource stores, WorkerMetrics metrics, TimeProvider time)
    {
        _stores = stores;
        _metrics = metrics;
        _time = time;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Completes once the write is committed (with the rows found for its claims), or fails with the commit.</summary>
    public Task<IReadOnlyList<LedgerEntry>> WriteAsync(LedgerWrite write) => Enqueue(new Pending(Kind.Write, write, null, Waited: true));

    /// <summary>
    /// Queues a write nobody waits for: it is committed with the next batch, <paramref name="failed"/> is called if that
    /// batch fails, and <see cref="RecordedAsync"/> tells when it is done.
    /// </summary>
    public void Record(LedgerWrite write, Action<Exception> failed) => Add(new Pending(Kind.Write, write, null, Waited: false) { Failed = failed });

    /// <summary>Completes once every write queued before it has been committed or has failed (never faults).</summary>
    public Task RecordedAsync()
    {
        // A write is counted over only after it was counted queued, and over is read first: as many over as queued
        // means every write queued before this call is over, so there is nothing to wait for and no trip through the
        // loop (docs/failure-behaviour.md, "Session 13"). A write queued meanwhile only makes the test stricter.
        var over = Volatile.Read(ref _writesOver);
        return over >= Volatile.Read(ref _writesQueued) ? Task.CompletedTask : Enqueue(new Pending(Kind.Barrier, null, null, Waited: true));
    }

    /// <summary>The ledger's rows for one message, read in the next batch.</summary>
    public Task<IReadOnlyList<LedgerEntry>> LookUpAsync(string messageId) => Enqueue(new Pending(Kind.LookUp, null, messageId, Waited: true));

    private Task<IReadOnlyList<LedgerEntry>> Enqueue(Pending pending)
    {
        Add(pending);
        return pending.Task;
    }

    private void Add(Pending pending)
    {
        if (pending.Kind == Kind.Write)
            Interlocked.Increment(ref _writesQueued);
        if (_queue.Writer.TryWrite(pending))
            return;
        if (pending.Kind == Kind.Barrier)
        {
            // Disposing: the writes queued before it may still be draining through the loop; done once the loop is.
            _loop.ContinueWith(_ => pending.Complete(Nothing), TaskScheduler.Default);
            return;
        }
        pending.Fail(new ObjectDisposedException(nameof(LedgerGroupCommit)));
        if (pending.Kind == Kind.Write)
            Interlocked.Increment(ref _writesOver);
    }

    private async Task LoopAsync()
    {
        var lookUps = new List<Pending>();
        var writes = new List<Pending>();
        var barriers = new List<Pending>();
        while (await _queue.Reader.WaitToReadAsync())
        {
            while (lookUps.Count + writes.Count + barriers.Count < MaxRequests && _queue.Reader.TryRead(out var pending))
                (pending.Kind switch { Kind.LookUp => lookUps, Kind.Write => writes, _ => barriers }).Add(pending);
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
            Interlocked.Add(ref _writesOver, writes.Count);
            // Every write queued before a barrier is in this batch or an earlier one: done either way.
            foreach (var barrier in barriers)
                barrier.Complete(Nothing);
            lookUps.Clear();
            writes.Clear();
            barriers.Clear();
        }
    }

    private async Task RunAsync(List<Pending> batch, Func<ILedgerStore, List<Pending>, Task<IReadOnlyList<IReadOnlyList<LedgerEntry>>>> work)
    {
        try
        {
            var store = await _stores.GetAsync(CancellationToken.None);
            var found = await work(store, batch);
            for (var i = 0; i < batch.Count; i++)
                batch[i].Complete(found[i]);
        }
        catch (Exception ex)
        {
            foreach (var pending in batch)
                pending.Fail(ex);
        }
    }

    /// <summary>Runs what is waiting, then stops taking requests.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
    }

    private enum Kind
    {
        LookUp,
        Write,
        Barrier,
    }

    /// <summary>
    /// A look-up of one message's rows, a write or a barrier. Only a waited-for one has a task: a record's failure goes to
    /// its <see cref="Failed"/> instead of a task nobody observes.
    /// </summary>
    private sealed record Pending(Kind Kind, LedgerWrite? Write, string? MessageId, bool Waited)
    {
        private readonly TaskCompletionSource<IReadOnlyList<LedgerEntry>>? _done = Waited ? new(TaskCreationOptions.RunContinuationsAsynchronously) : null;

        public Action<Exception>? Failed { get; init; }

        public Task<IReadOnlyList<LedgerEntry>> Task => _done!.Task;

        public void Complete(IReadOnlyList<LedgerEntry> found) => _done?.TrySetResult(found);

        public void Fail(Exception ex)
        {
            // A barrier never faults: it only says when the writes before it are over, however they ended.
            if (Kind == Kind.Barrier)
                _done?.TrySetResult(Nothing);
            else
                _done?.TrySetException(ex);
            Failed?.Invoke(ex);
        }
    }
}
