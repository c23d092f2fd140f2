using EmailWorker.Delivery.Suppression;

namespace EmailWorker.DeadLetters.Tests;

/// <summary>
/// The suppression list's SQL, the same against SQLite and a real PostgreSQL cluster: a look-up by a message's recipients
/// and their domains finds exact and <c>*@domain</c> entries of the asked scopes, keys are lower case, an add of a listed
/// entry changes nothing, a remove takes one entry, the list pages in key order, and a store of the previous schema gets the table.
/// </summary>
[TestFixture(StoreKind.Sqlite)]
[TestFixture(StoreKind.Postgres)]
[CancelAfter(120_000)]
public sealed class When_the_suppression_list_is_written(StoreKind kind)
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly ThrowawayStore _throwaway = new(kind, "suppress");

    [TearDown]
    public Task CloseAsync() => _throwaway.CleanUpAsync();

    [Test]
    public async Task Should_find_exact_and_domain_entries_of_the_asked_scopes(CancellationToken cancellation)
    {
        var store = await _throwaway.OpenAsync(cancellation);
        await store.AddSuppressionsAsync(
        [
            Entry("bob@x.test"),
            Entry("*@gone.test", reason: SuppressionReasons.Manual),
            Entry("cy@x.test", scope: "broadcast"),
            Entry("dan@x.test"),
        ], cancellation);

        var found = (await store.FindSuppressionsAsync(SuppressionKey.LookupKeys(["ann@x.test", "Bob@X.test", "eve@Gone.TEST", "cy@x.test"]),
            [SuppressionReasons.Global], withSoftFailures: false, cancellation)).Entries;
        var withStream = (await store.FindSuppressionsAsync(SuppressionKey.LookupKeys(["cy@x.test"]), [SuppressionReasons.Global, "broadcast"], withSoftFailures: false, cancellation)).Entries;

        Assert.Multiple(() =>
        {
            Assert.That(found.Select(e => (e.Key, e.Scope, e.Reason)), Is.EquivalentTo(new[]
            {
                ("bob@x.test", "global", "hard_bounce"),
                ("*@gone.test", "global", "manual"),
            }), "ann is not listed, dan was not asked for, cy only in another scope; case does not matter");
            Assert.That(withStream.Select(e => e.Key), Is.EqualTo(new[] { "cy@x.test" }));
            var bob = found.Single(e => e.Key == "bob@x.test");
            Assert.That((bob.SourceMessageId, bob.CreatedAt, bob.CreatedBy), Is.EqualTo(("m-1", Now, "worker")));
        });
    }

    [Test]
    public async Task Should_find_the_global_entries_and_those_of_the_message_stream_only(CancellationToken cancellation)
    {
        var store = await _throwaway.OpenAsync(cancellation);
        await store.AddSuppressionsAsync(
        [
            Entry("ann@x.test", scope: "broadcast", reason: SuppressionReasons.Manual),
            Entry("ann@x.test", scope: "transactional", reason: SuppressionReasons.Complaint),
            Entry("bob@x.test"),
            Entry("bob@x.test", scope: "broadcast", reason: SuppressionReasons.Complaint),
            Entry("*@gone.test", scope: "broadcast", reason: SuppressionReasons.Manual),
            Entry("*@left.test", scope: "news.v2", reason: SuppressionReasons.Manual),
        ], cancellation);
        var keys = SuppressionKey.LookupKeys(["Ann@x.test", "bob@x.test", "cy@gone.test", "dan@left.test"]);

        var broadcast = (await store.FindSuppressionsAsync(keys, [SuppressionReasons.Global, "broadcast"], withSoftFailures: false, cancellation)).Entries;
        var transactional = (await store.FindSuppressionsAsync(keys, [SuppressionReasons.Global, "transactional"], withSoftFailures: false, cancellation)).Entries;
        var globalOnly = (await store.FindSuppressionsAsync(keys, [SuppressionReasons.Global], withSoftFailures: false, cancellation)).Entries;

        Assert.Multiple(() =>
        {
            Assert.That(broadcast.Select(e => (e.Key, e.Scope)), Is.EquivalentTo(new[]
            {
                ("ann@x.test", "broadcast"), ("bob@x.test", "global"), ("bob@x.test", "broadcast"), ("*@gone.test", "broadcast"),
            }), "both of bob's entries; the other streams' entries not");
            Assert.That(transactional.Select(e => (e.Key, e.Scope, e.Reason)), Is.EquivalentTo(new[]
            {
                ("ann@x.test", "transactional", "complaint"), ("bob@x.test", "global", "hard_bounce"),
            }));
            Assert.That(globalOnly.Select(e => (e.Key, e.Scope)), Is.EqualTo(new[] { ("bob@x.test", "global") }), "a message without a stream");
        });
    }

    [Test]
    public async Task Should_keep_the_first_entry_when_one_is_added_again(CancellationToken cancellation)
    {
        var store = await _throwaway.OpenAsync(cancellation);
        var first = await store.AddSuppressionsAsync([Entry("bob@x.test")], cancellation);
        var again = await store.AddSuppressionsAsync([Entry("bob@x.test", reason: SuppressionReasons.Manual), Entry("cy@x.test")], cancellation);

        var found = (await store.FindSuppressionsAsync(["bob@x.test", "cy@x.test"], [SuppressionReasons.Global], withSoftFailures: false, cancellation)).Entries;

        Assert.Multiple(() =>
        {
            Assert.That((first, again), Is.EqualTo((1, 1)), "bob's second add is no new entry");
            Assert.That(found.Single(e => e.Key == "bob@x.test").Reason, Is.EqualTo(SuppressionReasons.HardBounce));
        });
    }

    [Test]
    public async Task Should_remove_one_entry(CancellationToken cancellation)
    {
        var store = await _throwaway.OpenAsync(cancellation);
        await store.AddSuppressionsAsync([Entry("bob@x.test"), Entry("bob@x.test", scope: "broadcast")], cancellation);

        var removed = await store.RemoveSuppressionAsync("bob@x.test", SuppressionReasons.Global, cancellation);
        var again = await store.RemoveSuppressionAsync("bob@x.test", SuppressionReasons.Global, cancellation);
        var left = await store.ListSuppressionsAsync(null, null, null, 10, cancellation);

        Assert.Multiple(() =>
        {
            Assert.That((removed, again), Is.EqualTo((true, false)));
            Assert.That(left.Select(e => (e.Key, e.Scope)), Is.EqualTo(new[] { ("bob@x.test", "broadcast") }));
        });
    }

    [Test]
    public async Task Should_page_the_list_in_key_order(CancellationToken cancellation)
    {
        var store = await _throwaway.OpenAsync(cancellation);
        await store.AddSuppressionsAsync([.. Enumerable.Range(0, 25).Select(i => Entry($"r{i:D2}@x.test"))], cancellation);

        var pages = new List<string>();
        IReadOnlyList<SuppressionEntry> page;
        string? after = null, afterScope = null;
        do
        {
            page = await store.ListSuppressionsAsync(null, after, afterScope, 10, cancellation);
            pages.AddRange(page.Select(e => e.Key));
            (after, afterScope) = page.Count > 0 ? (page[^1].Key, page[^1].Scope) : (after, afterScope);
        } while (page.Count == 10);

        Assert.That(pages, Is.EqualTo(Enumerable.Range(0, 25).Select(i => $"r{i:D2}@x.test")));
    }

    [Test]
    public async Task Should_page_the_keys_that_start_with_a_prefix(CancellationToken cancellation)
    {
        var store = await _throwaway.OpenAsync(cancellation);
        await store.AddSuppressionsAsync([.. new[] { "a_b1@x.test", "a_b2@x.test", "a_b3@x.test", "axb@x.test", "a%b@x.test", "b@a_b.test", "*@a_b.test" }.Select(k => Entry(k))],
            cancellation);

        var first = await store.ListSuppressionsAsync("a_b", null, null, 2, cancellation);
        var second = await store.ListSuppressionsAsync("a_b", first[^1].Key, first[^1].Scope, 2, cancellation);
        var percent = await store.ListSuppressionsAsync("a%", null, null, 10, cancellation);
        var domains = await store.ListSuppressionsAsync("*@", null, null, 10, cancellation);

        Assert.Multiple(() =>
        {
            Assert.That(first.Concat(second).Select(e => e.Key), Is.EqualTo(new[] { "a_b1@x.test", "a_b2@x.test", "a_b3@x.test" }),
                "_ is a character, not LIKE's any one");
            Assert.That(percent.Select(e => e.Key), Is.EqualTo(new[] { "a%b@x.test" }));
            Assert.That(domains.Select(e => e.Key), Is.EqualTo(new[] { "*@a_b.test" }));
        });
    }

    [Test]
    public async Task Should_add_the_table_to_a_store_of_the_previous_schema(CancellationToken cancellation)
    {
        // The schema before migration 8, which added the table (later migrations came after it).
        const int previous = 7;
        await _throwaway.WriteOlderSchemaAsync(previous);

        var store = await _throwaway.OpenAsync(cancellation);
        var added = await store.AddSuppressionsAsync([Entry("bob@x.test")], cancellation);

        Assert.That(added, Is.EqualTo(1));
    }

    private static SuppressionEntry Entry(string key, string scope = SuppressionReasons.Global, string reason = SuppressionReasons.HardBounce) =>
        new(key, scope, reason, "m-1", Now, "worker");
}
