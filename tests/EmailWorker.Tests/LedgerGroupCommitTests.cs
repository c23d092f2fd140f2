using System.Collections.Concurrent;
using EmailWorker.Delivery.Ledger;
using EmailWorker.Diagnostics;
using EmailWorker.Worker;

namespace EmailWorker.Tests;

/// <summary>
/// The group commit's records nobody waits for: the acks' wait (<see cref="LedgerGroupCommit.RecordedAsync"/>) ends only
/// once every record queued before it is committed (at once when every record handed over is, and not before it while
/// the group commit stops), and a record whose commit failed is reported, the wait still ending.
/// </summary>
[TestFixture]
[CancelAfter(10_000)]
internal sealed class LedgerGroupCommitTests
{
    [Test]
    public async Task Should_end_the_acks_wait_only_once_the_records_before_it_are_committed(CancellationToken cancellationToken)
    {
        var store = new GatedStore(cancellationToken);
        await using var commits = new LedgerGroupCommit(store, Metrics(), TimeProvider.System);

        var failures = 0;
        commits.Record(Delivered("m-1"), _ => Interlocked.Increment(ref failures));
        var recorded = commits.RecordedAsync();
        await store.Writing.WaitAsync(cancellationToken);
        Assert.That(recorded.IsCompleted, Is.False, "not while the record's commit runs");
        store.Commit.Release();
        await recorded.WaitAsync(cancellationToken);

        Assert.Multiple(() =>
        {
            Assert.That(store.Committed, Is.EquivalentTo(new[] { "m-1" }), "the record was committed before the wait ended");
            Assert.That(Volatile.Read(ref failures), Is.Zero);
        });
    }

    [Test]
    public async Task Should_end_the_acks_wait_at_once_when_every_record_is_committed_and_not_for_a_record_queued_since(
        CancellationToken cancellationToken)
    {
        var store = new GatedStore(cancellationToken);
        await using var commits = new LedgerGroupCommit(store, Metrics(), TimeProvider.System);
        commits.Record(Delivered("m-1"), _ => { });
        store.Commit.Release();
        await commits.RecordedAsync().WaitAsync(cancellationToken);

        Assert.That(commits.RecordedAsync().IsCompleted, Is.True, "nothing handed over is left: no wait");

        commits.Record(Delivered("m-2"), _ => { });
        await store.Writing.WaitAsync(cancellationToken); // m-1's
        await store.Writing.WaitAsync(cancellationToken); // m-2's: taken off the queue, its commit running
        var recorded = commits.RecordedAsync();
        Assert.That(recorded.IsCompleted, Is.False, "a record whose commit runs is waited for");
        store.Commit.Release();
        await recorded.WaitAsync(cancellationToken);
        Assert.That(store.Committed, Is.EquivalentTo(new[] { "m-1", "m-2" }));
    }

    [Test]
    public async Task Should_end_an_acks_wait_asked_for_while_stopping_only_once_the_records_before_it_are_committed(
        CancellationToken cancellationToken)
    {
        var store = new GatedStore(cancellationToken);
        var commits = new LedgerGroupCommit(store, Metrics(), TimeProvider.System);
        commits.Record(Delivered("m-4"), _ => { });
        await store.Writing.WaitAsync(cancellationToken);
        var stopping = commits.DisposeAsync().AsTask();

        var recorded = commits.RecordedAsync();
        Assert.That(recorded.IsCompleted, Is.False, "the record before it is still being committed");
        store.Commit.Release();
        await recorded.WaitAsync(cancellationToken);
        await stopping.WaitAsync(cancellationToken);
        Assert.That(store.Committed, Is.EquivalentTo(new[] { "m-4" }));
    }

    [Test]
    public async Task Should_report_a_record_whose_commit_failed_and_still_end_the_acks_wait(CancellationToken cancellationToken)
    {
        var store = new GatedStore(cancellationToken) { Failure = new InvalidOperationException("the database is away") };
        store.Commit.Release();
        await using var commits = new LedgerGroupCommit(store, Metrics(), TimeProvider.System);
        var failed = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);

        commits.Record(Delivered("m-3"), ex => failed.TrySetResult(ex));
        await commits.RecordedAsync().WaitAsync(cancellationToken);

        Assert.That((await failed.Task.WaitAsync(cancellationToken)).Message, Is.EqualTo("the database is away"));
    }

    private static WorkerMetrics Metrics() => TestMetrics.Worker("ledger-commit-test");

    private static LedgerWrite Delivered(string messageId) => new(messageId, [], ["ann@example.org"], "250 ok", []);

    /// <summary>
    /// A store that signals <see cref="Writing"/> as each write begins, then lets it go on one <see cref="Commit"/> release
    /// each, to fail with <see cref="Failure"/> or be kept. A write still held when the test's time is up fails, so that a
    /// failed assertion ends the test instead of leaving the group commit's disposal waiting on it.
    /// </summary>
    private sealed class GatedStore(CancellationToken testEnds) : ILedgerStoreSource, ILedgerStore
    {
        public SemaphoreSlim Writing { get; } = new(0);

        public SemaphoreSlim Commit { get; } = new(0);

        public Exception? Failure { get; init; }

        public ConcurrentBag<string> Committed { get; } = [];

        public string Description => "gated";

        public Task<ILedgerStore> GetAsync(CancellationToken cancellationToken) => Task.FromResult<ILedgerStore>(this);

        public async Task<IReadOnlyList<IReadOnlyList<LedgerEntry>>> WriteLedgerAsync(IReadOnlyList<LedgerWrite> writes, DateTimeOffset now,
            CancellationToken cancellationToken)
        {
            Writing.Release();
            await Commit.WaitAsync(testEnds);
            if (Failure is not null)
                throw Failure;
            foreach (var write in writes)
                Committed.Add(write.MessageId);
            return [.. writes.Select(_ => (IReadOnlyList<LedgerEntry>)[])];
        }

        public Task<IReadOnlyList<IReadOnlyList<LedgerEntry>>> LookUpLedgerAsync(IReadOnlyList<string> messageIds, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task<IReadOnlyList<LedgerEntry>> ReadLedgerAsync(string messageId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<int> DeleteLedgerAsync(DateTimeOffset olderThan, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
