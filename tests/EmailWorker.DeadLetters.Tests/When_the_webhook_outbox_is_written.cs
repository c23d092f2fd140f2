using System.Diagnostics;
using EmailWorker.DeadLetters.Store;
using EmailWorker.Webhooks;

namespace EmailWorker.DeadLetters.Tests;

/// <summary>
/// The webhook outbox's SQL, the same against SQLite and a real PostgreSQL cluster: a redelivered event adds no row, a
/// claim leases due rows so another worker's claim skips them (on PostgreSQL two claims at once get disjoint rows), an
/// attempt is recorded only under its lease, a replay makes failed rows due and enables their endpoint, delivered rows are
/// swept by age, and a store of the previous schema gets the tables.
/// </summary>
[TestFixture(StoreKind.Sqlite)]
[TestFixture(StoreKind.Postgres)]
[CancelAfter(120_000)]
public sealed class When_the_webhook_outbox_is_written(StoreKind kind)
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 6, 0, 0, TimeSpan.Zero);
    private readonly ThrowawayStore _throwaway = new(kind, "webhooks");

    [TearDown]
    public Task CloseAsync() => _throwaway.CleanUpAsync();

    [Test]
    public async Task Should_add_a_redelivered_event_once(CancellationToken cancellation)
    {
        var store = await _throwaway.OpenAsync(cancellation);

        var first = await store.AddToOutboxAsync([Entry("msg_1", "a"), Entry("msg_1", "b"), Entry("msg_2", "a")], cancellation);
        var again = await store.AddToOutboxAsync([Entry("msg_1", "a"), Entry("msg_3", "a")], cancellation);

        var counts = await store.CountOutboxAsync(cancellation);
        Assert.Multiple(() =>
        {
            Assert.That((first, again), Is.EqualTo((3, 1)));
            Assert.That(counts, Is.EqualTo(new[] { new OutboxCounts("a", 3, 0, 0), new OutboxCounts("b", 1, 0, 0) }));
        });
    }

    [Test]
    public async Task Should_lease_claimed_rows_so_another_claim_skips_them_until_the_lease_ends(CancellationToken cancellation)
    {
        var store = await _throwaway.OpenAsync(cancellation);
        await store.AddToOutboxAsync([Entry("msg_1", "a"), Entry("msg_2", "a"), Entry("msg_3", "b")], cancellation);

        var mine = await store.ClaimDueAsync(["a", "b"], "w1", Now, Now.AddMinutes(1), 2, cancellation);
        var theirs = await store.ClaimDueAsync(["a", "b"], "w2", Now, Now.AddMinutes(1), 10, cancellation);
        var disabledOnly = await store.ClaimDueAsync(["c"], "w2", Now, Now.AddMinutes(1), 10, cancellation);
        var afterLease = await store.ClaimDueAsync(["a", "b"], "w3", Now.AddMinutes(2), Now.AddMinutes(3), 10, cancellation);

        Assert.Multiple(() =>
        {
            Assert.That(mine, Has.Count.EqualTo(2));
            Assert.That(theirs.Select(r => r.WebhookId), Is.EquivalentTo(new[] { "msg_1", "msg_2", "msg_3" }.Except(mine.Select(r => r.WebhookId))));
            Assert.That(disabledOnly, Is.Empty, "only the endpoints asked for");
            Assert.That(afterLease, Has.Count.EqualTo(3), "a lease that ran out is claimed again");
        });
    }

    [Test]
    public async Task Should_give_two_claims_at_once_disjoint_rows(CancellationToken cancellation)
    {
        var store = await _throwaway.OpenAsync(cancellation);
        await store.AddToOutboxAsync([.. Enumerable.Range(1, 200).Select(i => Entry($"msg_{i}", "a"))], cancellation);

        var claims = await Task.WhenAll(Enumerable.Range(1, 4).Select(w =>
            store.ClaimDueAsync(["a"], $"w{w}", Now, Now.AddMinutes(1), 60, cancellation)));

        var claimed = claims.SelectMany(c => c.Select(r => r.Id)).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(claimed, Is.Unique, "no row in two claims");
            Assert.That(claimed.Count, Is.InRange(60, 200));
        });
    }

    [Test]
    public async Task Should_record_an_attempt_only_under_its_lease(CancellationToken cancellation)
    {
        var store = await _throwaway.OpenAsync(cancellation);
        await store.AddToOutboxAsync([Entry("msg_1", "a")], cancellation);
        var row = (await store.ClaimDueAsync(["a"], "w1", Now, Now.AddMinutes(1), 1, cancellation)).Single();
        var taken = (await store.ClaimDueAsync(["a"], "w2", Now.AddMinutes(2), Now.AddMinutes(3), 1, cancellation)).Single();

        var late = await RecordAsync(store, row.Id, "w1", OutboxState.Delivered, Now, 204, null, Now.AddMinutes(2), cancellation);
        var retry = await RecordAsync(store, taken.Id, "w2", OutboxState.Pending, Now.AddMinutes(10), 503, "503 Service Unavailable",
            Now.AddMinutes(2), cancellation);
        var notYet = await store.ClaimDueAsync(["a"], "w3", Now.AddMinutes(5), Now.AddMinutes(6), 1, cancellation);
        var due = (await store.ClaimDueAsync(["a"], "w3", Now.AddMinutes(10), Now.AddMinutes(11), 1, cancellation)).Single();

        Assert.Multiple(() =>
        {
            Assert.That((late, retry), Is.EqualTo((false, true)), "the first worker's lease was lost: its record changes nothing");
            Assert.That(notYet, Is.Empty, "not due before its next attempt");
            Assert.That((due.Attempts, due.LastStatus, due.LastError, due.WebhookId), Is.EqualTo((1, (int?)503, "503 Service Unavailable", "msg_1")));
        });
    }

    [Test]
    public async Task Should_record_a_wave_in_one_call_skipping_rows_whose_lease_was_lost(CancellationToken cancellation)
    {
        var store = await _throwaway.OpenAsync(cancellation);
        await store.AddToOutboxAsync([Entry("msg_1", "a"), Entry("msg_2", "a"), Entry("msg_3", "a")], cancellation);
        var wave = await store.ClaimDueAsync(["a"], "w1", Now, Now.AddMinutes(1), 3, cancellation);
        var lost = wave[2];
        await store.ClaimDueAsync(["a"], "w2", Now.AddMinutes(2), Now.AddMinutes(3), 3, cancellation);

        var recorded = await store.RecordAttemptsAsync(
            [.. wave.Select(r => new AttemptRecord(r.Id, OutboxState.Delivered, Now, 204, null))], "w1", Now.AddMinutes(2), cancellation);

        Assert.That(recorded, Is.Empty, "w2 holds all three now");
        var again = await store.ClaimDueAsync(["a"], "w3", Now.AddMinutes(4), Now.AddMinutes(5), 3, cancellation);
        var mine = await store.RecordAttemptsAsync(
            [.. again.Where(r => r.Id != lost.Id).Select(r => new AttemptRecord(r.Id, OutboxState.Delivered, Now, 204, null))], "w3", Now.AddMinutes(4), cancellation);
        Assert.Multiple(async () =>
        {
            Assert.That(mine, Has.Count.EqualTo(2));
            Assert.That(await store.CountOutboxAsync(cancellation), Is.EqualTo(new[] { new OutboxCounts("a", 1, 2, 0) }));
        });
    }

    [Test]
    public async Task Should_replay_failed_rows_and_enable_their_endpoint(CancellationToken cancellation)
    {
        var store = await _throwaway.OpenAsync(cancellation);
        await store.AddToOutboxAsync([Entry("msg_1", "a"), Entry("msg_2", "a"), Entry("msg_3", "b")], cancellation);
        foreach (var row in await store.ClaimDueAsync(["a", "b"], "w1", Now, Now.AddMinutes(1), 10, cancellation))
            await RecordAsync(store, row.Id, "w1", OutboxState.Failed, Now, 410, "410 Gone", Now, cancellation);
        await store.DisableEndpointAsync(new DisabledEndpoint("a", "https://a.example/", Now), cancellation);
        await store.DisableEndpointAsync(new DisabledEndpoint("b", "https://b.example/", Now), cancellation);
        var failedB = (await store.ListOutboxAsync(OutboxState.Failed, "b", null, 10, cancellation)).Single();

        var byEndpoint = await store.ReplayWebhooksAsync(null, "a", Now.AddMinutes(1), cancellation);
        var byId = await store.ReplayWebhooksAsync([failedB.Id, 9999], null, Now.AddMinutes(1), cancellation);
        var again = await store.ReplayWebhooksAsync(null, "a", Now.AddMinutes(1), cancellation);
        var disabled = await store.DisabledEndpointsAsync(cancellation);
        var due = await store.ClaimDueAsync(["a", "b"], "w2", Now.AddMinutes(1), Now.AddMinutes(2), 10, cancellation);

        Assert.Multiple(() =>
        {
            Assert.That((byEndpoint, byId, again), Is.EqualTo((2, 1, 0)), "only failed rows; an unknown id is skipped");
            Assert.That(disabled, Is.Empty);
            Assert.That(due.Select(r => (r.WebhookId, r.Attempts)), Is.EquivalentTo(new[] { ("msg_1", 0), ("msg_2", 0), ("msg_3", 0) }), "the schedule starts over");
        });
    }

    [Test]
    public async Task Should_sweep_delivered_rows_by_age_only(CancellationToken cancellation)
    {
        var store = await _throwaway.OpenAsync(cancellation);
        await store.AddToOutboxAsync([Entry("msg_1", "a"), Entry("msg_2", "a"), Entry("msg_3", "a")], cancellation);
        var rows = await store.ClaimDueAsync(["a"], "w1", Now, Now.AddMinutes(1), 10, cancellation);
        await RecordAsync(store, rows[0].Id, "w1", OutboxState.Delivered, Now, 204, null, Now, cancellation);
        await RecordAsync(store, rows[1].Id, "w1", OutboxState.Delivered, Now.AddDays(2), 204, null, Now.AddDays(2), cancellation);
        await RecordAsync(store, rows[2].Id, "w1", OutboxState.Failed, Now, 500, "500", Now, cancellation);

        var deleted = await store.DeleteDeliveredWebhooksAsync(Now.AddDays(1), cancellation);

        Assert.Multiple(async () =>
        {
            Assert.That(deleted, Is.EqualTo(1));
            Assert.That(await store.CountOutboxAsync(cancellation), Is.EqualTo(new[] { new OutboxCounts("a", 0, 1, 1) }));
        });
    }

    [Test]
    public async Task Should_add_the_tables_to_a_store_of_the_previous_schema(CancellationToken cancellation)
    {
        // The schema before migration 9, which added the outbox.
        const int previous = 8;
        await _throwaway.WriteOlderSchemaAsync(previous);

        var store = await _throwaway.OpenAsync(cancellation);

        Assert.That(await store.AddToOutboxAsync([Entry("msg_1", "a")], cancellation), Is.EqualTo(1));
    }

    /// <summary>
    /// Not a test of speed (nothing is asserted about time): prints how fast the outbox writer's batches commit, the figure
    /// docs/webhooks.md quotes.
    /// </summary>
    [Test]
    public async Task Should_take_ten_thousand_rows_in_batches_of_256(CancellationToken cancellation)
    {
        var store = await _throwaway.OpenAsync(cancellation);
        var payload = new string('x', 400);
        var watch = Stopwatch.StartNew();
        for (var start = 0; start < 10_000; start += 256)
        {
            var batch = Enumerable.Range(start, Math.Min(256, 10_000 - start)).Select(i => Entry($"msg_{i}", "a") with { Payload = payload }).ToList();
            await store.AddToOutboxAsync(batch, cancellation);
        }
        watch.Stop();
        await TestContext.Progress.WriteLineAsync($"webhook outbox ({kind}): 10,000 rows in batches of 256 in {watch.Elapsed.TotalMilliseconds:0} ms " +
            $"= {10_000 / watch.Elapsed.TotalSeconds:0} rows/s");
        Assert.That((await store.CountOutboxAsync(cancellation)).Single().Pending, Is.EqualTo(10_000));
    }

    /// <summary>One attempt recorded alone (the dispatcher records a wave's in one call); true when its lease held.</summary>
    private static async Task<bool> RecordAsync(SqlDeadLetterStore store, long id, string owner, OutboxState state, DateTimeOffset next, int? status,
        string? error, DateTimeOffset now, CancellationToken cancellation) =>
        (await store.RecordAttemptsAsync([new AttemptRecord(id, state, next, status, error)], owner, now, cancellation)).Contains(id);

    private static OutboxEntry Entry(string webhookId, string endpoint) =>
        new(webhookId, endpoint, "email.delivered", $"m-{webhookId}", "{\"type\":\"email.delivered\"}", Now);
}
