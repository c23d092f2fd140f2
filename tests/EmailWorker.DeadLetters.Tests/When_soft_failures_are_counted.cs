using EmailWorker.DeadLetters.Store;
using EmailWorker.Delivery.Suppression;

namespace EmailWorker.DeadLetters.Tests;

/// <summary>
/// Soft failures toward a <c>soft_bounce</c> entry, the same against SQLite and a real PostgreSQL cluster: the count reaches
/// its threshold and becomes a global entry (the count gone), a run older than the window starts again, the look-up
/// tells which recipients have a count, a delivery clears one, the sweep drops runs past their window, two stores on one
/// database count together, the keys added after a generation are read for the worker's filter, and a store of the previous schema gets the table.
/// </summary>
[TestFixture(StoreKind.Sqlite)]
[TestFixture(StoreKind.Postgres)]
[CancelAfter(120_000)]
public sealed class When_soft_failures_are_counted(StoreKind kind)
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Window = TimeSpan.FromHours(1);
    private readonly ThrowawayStore _throwaway = new(kind, "soft");

    [TearDown]
    public Task CloseAsync() => _throwaway.CleanUpAsync();

    [Test]
    public async Task Should_add_a_global_soft_bounce_entry_at_the_threshold_and_drop_the_count(CancellationToken cancellation)
    {
        var store = await _throwaway.OpenAsync(cancellation);

        var first = await store.CountSoftFailuresAsync(["ann@x.test", "bob@x.test"], "m-1", Count(3, Now), "worker", cancellation);
        var second = await store.CountSoftFailuresAsync(["ann@x.test"], "m-2", Count(3, Now.AddMinutes(1)), "worker", cancellation);
        var counting = await LookUpAsync(store, cancellation);
        var third = await store.CountSoftFailuresAsync(["ann@x.test"], "m-3", Count(3, Now.AddMinutes(2)), "worker", cancellation);
        var after = await LookUpAsync(store, cancellation);

        Assert.Multiple(() =>
        {
            Assert.That(first.Concat(second), Is.Empty);
            Assert.That(third, Is.EqualTo(new[] { "ann@x.test" }));
            Assert.That(counting.Entries, Is.Empty);
            Assert.That(counting.SoftFailing, Is.EquivalentTo(new[] { "ann@x.test", "bob@x.test" }), "a *@domain key finds no count");
            Assert.That(after.Entries.Select(e => (e.Key, e.Scope, e.Reason, e.SourceMessageId, e.CreatedAt, e.CreatedBy)),
                Is.EqualTo(new[] { ("ann@x.test", "global", "soft_bounce", (string?)"m-3", Now.AddMinutes(2), "worker") }));
            Assert.That(after.SoftFailing, Is.EqualTo(new[] { "bob@x.test" }), "ann's count went with her entry");
        });
    }

    [Test]
    public async Task Should_start_a_run_again_once_its_window_has_passed(CancellationToken cancellation)
    {
        var store = await _throwaway.OpenAsync(cancellation);

        await store.CountSoftFailuresAsync(["ann@x.test"], "m-1", Count(2, Now), "worker", cancellation);
        var late = await store.CountSoftFailuresAsync(["ann@x.test"], "m-2", Count(2, Now + Window + TimeSpan.FromMinutes(1)), "worker", cancellation);
        var within = await store.CountSoftFailuresAsync(["ann@x.test"], "m-3", Count(2, Now + Window + TimeSpan.FromMinutes(2)), "worker", cancellation);

        Assert.Multiple(() =>
        {
            Assert.That(late, Is.Empty, "the first failure was outside the window: the run started again at 1");
            Assert.That(within, Is.EqualTo(new[] { "ann@x.test" }));
        });
    }

    [Test]
    public async Task Should_clear_the_counts_of_addresses_delivered_to_and_sweep_the_old_ones(CancellationToken cancellation)
    {
        var store = await _throwaway.OpenAsync(cancellation);
        await store.CountSoftFailuresAsync(["ann@x.test", "bob@x.test"], "m-1", Count(5, Now), "worker", cancellation);
        await store.CountSoftFailuresAsync(["cy@x.test"], "m-2", Count(5, Now + Window * 2), "worker", cancellation);

        await store.ClearSoftFailuresAsync(["ann@x.test"], cancellation);
        var swept = await store.DeleteSoftFailuresAsync(Now + Window * 2 - Window, cancellation);
        var left = await LookUpAsync(store, cancellation);
        var without = await store.FindSuppressionsAsync(["cy@x.test"], [SuppressionReasons.Global], withSoftFailures: false, cancellation);

        Assert.Multiple(() =>
        {
            Assert.That(swept, Is.EqualTo(1), "bob's run started before the window");
            Assert.That(left.SoftFailing, Is.EqualTo(new[] { "cy@x.test" }));
            Assert.That(without.SoftFailing, Is.Empty, "not asked for");
        });
    }

    [Test]
    public async Task Should_count_together_across_stores_sharing_the_database(CancellationToken cancellation)
    {
        var one = await _throwaway.OpenAsync(cancellation);
        var other = await _throwaway.OpenAsync(cancellation);

        // Eight messages fail for ann at once, four through each store (two workers): the eighth count makes the one entry.
        var counts = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            (i % 2 == 0 ? one : other).CountSoftFailuresAsync(["ann@x.test"], $"m-{i}", Count(8, Now.AddSeconds(i)), "worker", cancellation)));
        var after = await LookUpAsync(one, cancellation);

        Assert.Multiple(() =>
        {
            Assert.That(counts.Sum(c => c.Count), Is.EqualTo(1));
            Assert.That(after.Entries.Select(e => e.Reason), Is.EqualTo(new[] { "soft_bounce" }));
            Assert.That(after.SoftFailing, Is.Empty);
        });
    }

    [Test]
    public async Task Should_read_the_keys_added_after_a_generation(CancellationToken cancellation)
    {
        var store = await _throwaway.OpenAsync(cancellation);
        var other = await _throwaway.OpenAsync(cancellation);
        await store.AddSuppressionsAsync([Entry("ann@x.test"), Entry("*@gone.test")], cancellation);
        var first = await ReadAsync(store, -1, cancellation);
        await other.AddSuppressionsAsync([Entry("bob@x.test", "broadcast")], cancellation);
        await other.CountSoftFailuresAsync(["cy@x.test"], "m-2", Count(5, Now), "worker", cancellation);
        await store.AddSuppressionsAsync([Entry("ann@x.test")], cancellation);

        var later = await ReadAsync(store, first.Generation, cancellation);
        var all = await ReadAsync(store, -1, cancellation);
        var none = await ReadAsync(store, all.Generation, cancellation);
        var count = await store.CountKeysAsync(cancellation);

        Assert.Multiple(() =>
        {
            Assert.That(first.Keys, Is.EquivalentTo(new[] { "ann@x.test", "*@gone.test" }));
            Assert.That(later.Keys, Is.EquivalentTo(new[] { "bob@x.test", "cy@x.test" }), "another store's entry and count; ann listed already added no row");
            Assert.That(later.Generation, Is.GreaterThan(first.Generation));
            Assert.That(all.Keys, Is.EquivalentTo(new[] { "ann@x.test", "*@gone.test", "bob@x.test", "cy@x.test" }));
            Assert.That(none.Keys, Is.Empty);
            Assert.That(none.Generation, Is.EqualTo(all.Generation));
            Assert.That(count, Is.EqualTo(4));
        });
    }

    [Test]
    public async Task Should_add_the_table_to_a_store_of_the_previous_schema(CancellationToken cancellation)
    {
        // The schema before the migration that added the table (the last one).
        var previous = StoreSchema.Migrations(_throwaway.Dialect).Count - 1;
        await _throwaway.WriteOlderSchemaAsync(previous);

        var store = await _throwaway.OpenAsync(cancellation);
        await store.CountSoftFailuresAsync(["ann@x.test"], "m-1", Count(5, Now), "worker", cancellation);

        Assert.That((await LookUpAsync(store, cancellation)).SoftFailing, Is.EqualTo(new[] { "ann@x.test" }));
    }

    private static async Task<(List<string> Keys, long Generation)> ReadAsync(SqlDeadLetterStore store, long since, CancellationToken cancellation)
    {
        var keys = new List<string>();
        var generation = await store.ReadKeysSinceAsync(since, keys.Add, cancellation);
        return (keys, generation);
    }

    private static SuppressionEntry Entry(string key, string scope = SuppressionReasons.Global) =>
        new(key, scope, SuppressionReasons.Manual, null, Now, "ops");

    private static SoftFailureCount Count(int threshold, DateTimeOffset now) => new(threshold, Window, now);

    private static Task<SuppressionLookup> LookUpAsync(SqlDeadLetterStore store, CancellationToken cancellation) =>
        store.FindSuppressionsAsync(SuppressionKey.LookupKeys(["Ann@x.test", "bob@x.test", "cy@x.test"]), [SuppressionReasons.Global], withSoftFailures: true, cancellation);
}
