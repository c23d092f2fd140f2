using EmailWorker.DeadLetters.Store;
using EmailWorker.Delivery.Ledger;

namespace EmailWorker.DeadLetters.Tests;

/// <summary>
/// The delivered ledger's SQL, the same against SQLite and a real PostgreSQL cluster: what a claim finds, what a record
/// and a release leave, what two claims of the same row at once see, what retention removes. Rows read back as sets.
/// </summary>
[TestFixture(StoreKind.Sqlite)]
[TestFixture(StoreKind.Postgres)]
[CancelAfter(120_000)]
public sealed class When_the_delivered_ledger_is_written(StoreKind kind)
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly ThrowawayStore _throwaway = new(kind, "ledger");
    private SqlDeadLetterStore _store = null!;

    [SetUp]
    public async Task OpenAsync() => _store = await _throwaway.OpenAsync(CancellationToken.None);

    [TearDown]
    public Task CloseAsync() => _throwaway.CleanUpAsync();

    [Test]
    public async Task Should_find_nothing_on_the_first_claim_and_the_claims_on_the_second(CancellationToken cancellation)
    {
        var first = await _store.WriteLedgerAsync([LedgerWrite.Claiming("m-1", ["ann@x.test", "bob@x.test"])], Now, cancellation);
        var second = await _store.WriteLedgerAsync([LedgerWrite.Claiming("m-1", ["ann@x.test", "bob@x.test", "cy@x.test"])], Now.AddSeconds(5), cancellation);

        Assert.Multiple(async () =>
        {
            Assert.That(first.Single(), Is.Empty);
            Assert.That(second.Single().Select(e => (e.Recipient, e.State, e.ClaimedAt)), Is.EquivalentTo(new[]
            {
                ("ann@x.test", LedgerState.Sending, Now),
                ("bob@x.test", LedgerState.Sending, Now),
            }), "the rows found are the first claim's, kept as they were; cy is new");
            Assert.That(Rows(await _store.ReadLedgerAsync("m-1", cancellation)), Is.EquivalentTo(new[]
            {
                ("ann@x.test", LedgerState.Sending, (string?)null),
                ("bob@x.test", LedgerState.Sending, (string?)null),
                ("cy@x.test", LedgerState.Sending, (string?)null),
            }));
        });
    }

    [Test]
    public async Task Should_record_the_delivered_and_release_only_unfinished_claims(CancellationToken cancellation)
    {
        await _store.WriteLedgerAsync([LedgerWrite.Claiming("m-2", ["ann@x.test", "bob@x.test", "cy@x.test"])], Now, cancellation);
        await _store.WriteLedgerAsync([new LedgerWrite("m-2", [], ["ann@x.test"], "250 2.0.0 Ok: queued as A1", ["bob@x.test"])], Now.AddSeconds(1), cancellation);
        // A release never undoes a 250: a late release of ann (another handler's) leaves her delivered.
        await _store.WriteLedgerAsync([new LedgerWrite("m-2", [], [], null, ["ann@x.test"])], Now.AddSeconds(2), cancellation);
        var again = await _store.WriteLedgerAsync([LedgerWrite.Claiming("m-2", ["ann@x.test", "bob@x.test", "cy@x.test"])], Now.AddSeconds(3), cancellation);

        Assert.Multiple(async () =>
        {
            Assert.That(again.Single().Select(e => (e.Recipient, e.State)), Is.EquivalentTo(new[]
            {
                ("ann@x.test", LedgerState.Delivered),
                ("cy@x.test", LedgerState.Sending),
            }), "bob was released, so his claim is new; cy was never settled: in doubt");
            var ann = (await _store.ReadLedgerAsync("m-2", cancellation)).Single(e => e.Recipient == "ann@x.test");
            Assert.That((ann.Reply, ann.ClaimedAt, ann.UpdatedAt), Is.EqualTo(("250 2.0.0 Ok: queued as A1", Now, Now.AddSeconds(1))));
        });
    }

    [Test]
    public async Task Should_record_a_delivery_whose_claim_was_never_written(CancellationToken cancellation)
    {
        await _store.WriteLedgerAsync([new LedgerWrite("m-3", [], ["ann@x.test"], "250 ok", [])], Now, cancellation);

        Assert.That(Rows(await _store.ReadLedgerAsync("m-3", cancellation)), Is.EquivalentTo(new[] { ("ann@x.test", LedgerState.Delivered, (string?)"250 ok") }));
    }

    [Test]
    public async Task Should_apply_many_handlers_writes_in_one_commit_each_with_its_own_findings(CancellationToken cancellation)
    {
        await _store.WriteLedgerAsync([new LedgerWrite("m-4", ["ann@x.test"], ["ann@x.test"], "250 ok", [])], Now, cancellation);

        var found = await _store.WriteLedgerAsync(
        [
            LedgerWrite.Claiming("m-4", ["ann@x.test", "bob@x.test"]),
            LedgerWrite.Claiming("m-5", ["ann@x.test"]),
            new LedgerWrite("m-6", [], ["dan@x.test"], "250 ok", []),
        ], Now.AddSeconds(1), cancellation);

        Assert.Multiple(async () =>
        {
            Assert.That(found, Has.Count.EqualTo(3));
            Assert.That(found[0].Select(e => (e.MessageId, e.Recipient, e.State)), Is.EquivalentTo(new[] { ("m-4", "ann@x.test", LedgerState.Delivered) }));
            Assert.That(found[1], Is.Empty, "the same address under another message id is another row");
            Assert.That(found[2], Is.Empty);
            Assert.That(Rows(await _store.ReadLedgerAsync("m-6", cancellation)), Is.EquivalentTo(new[] { ("dan@x.test", LedgerState.Delivered, (string?)"250 ok") }));
        });
    }

    [Test]
    public async Task Should_let_only_one_of_two_simultaneous_claims_find_the_row_new(CancellationToken cancellation)
    {
        for (var round = 0; round < 20; round++)
        {
            var messageId = $"race-{round}";
            var claims = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
                _store.WriteLedgerAsync([LedgerWrite.Claiming(messageId, ["ann@x.test"])], Now, cancellation), cancellation)));

            Assert.That(claims.Select(c => c.Single().Count).Order(), Is.EqualTo(new[] { 0, 1 }),
                $"round {round}: exactly one claim is new, the other finds it sending");
        }
    }

    [Test]
    public async Task Should_let_the_first_of_two_claims_of_one_row_in_a_batch_find_it_new_and_the_second_find_it_sending(CancellationToken cancellation)
    {
        var found = await _store.WriteLedgerAsync(
        [
            LedgerWrite.Claiming("m-7", ["ann@x.test", "bob@x.test"]),
            LedgerWrite.Claiming("m-7", ["bob@x.test"]),
            new LedgerWrite("m-8", [], [], null, ["ann@x.test"]),
        ], Now, cancellation);

        Assert.Multiple(async () =>
        {
            Assert.That(found[0], Is.Empty);
            Assert.That(found[1].Select(e => (e.MessageId, e.Recipient, e.State)), Is.EquivalentTo(new[] { ("m-7", "bob@x.test", LedgerState.Sending) }));
            Assert.That(found[2], Is.Empty);
            Assert.That(Rows(await _store.ReadLedgerAsync("m-7", cancellation)),
                Is.EquivalentTo(new[] { ("ann@x.test", LedgerState.Sending, (string?)null), ("bob@x.test", LedgerState.Sending, null) }));
        });
    }

    [Test]
    public async Task Should_look_up_many_messages_rows_at_once_each_in_its_place(CancellationToken cancellation)
    {
        await _store.WriteLedgerAsync([LedgerWrite.Claiming("m-9", ["ann@x.test", "bob@x.test"]), new LedgerWrite("m-10", [], ["cy@x.test"], "250 ok", [])],
            Now, cancellation);

        var found = await _store.LookUpLedgerAsync(["m-10", "none", "m-9", "m-10"], cancellation);

        Assert.Multiple(() =>
        {
            Assert.That(found, Has.Count.EqualTo(4));
            Assert.That(Rows(found[0]), Is.EquivalentTo(new[] { ("cy@x.test", LedgerState.Delivered, (string?)"250 ok") }));
            Assert.That(found[1], Is.Empty);
            Assert.That(Rows(found[2]), Is.EquivalentTo(new[] { ("ann@x.test", LedgerState.Sending, (string?)null), ("bob@x.test", LedgerState.Sending, null) }));
            Assert.That(Rows(found[3]), Is.EquivalentTo(Rows(found[0])));
        });
    }

    [Test]
    public async Task Should_write_a_batch_larger_than_one_statement_takes(CancellationToken cancellation)
    {
        var recipients = Enumerable.Range(0, 1_200).Select(i => $"r{i:D4}@x.test").ToArray();
        await _store.WriteLedgerAsync([.. recipients.Chunk(3).Select((chunk, i) => LedgerWrite.Claiming($"big-{i}", chunk))], Now, cancellation);
        var found = await _store.WriteLedgerAsync([.. recipients.Chunk(3).Select((chunk, i) => new LedgerWrite($"big-{i}", chunk, chunk, "250 ok", []))],
            Now.AddSeconds(1), cancellation);
        var rows = await _store.LookUpLedgerAsync([.. Enumerable.Range(0, 400).Select(i => $"big-{i}")], cancellation);

        Assert.Multiple(() =>
        {
            Assert.That(found.Sum(f => f.Count), Is.EqualTo(1_200), "every claim found its row sending");
            Assert.That(rows.SelectMany(r => r).Select(e => (e.Recipient, e.State)), Is.EquivalentTo(recipients.Select(r => (r, LedgerState.Delivered))));
        });
    }

    [Test]
    public async Task Should_remove_only_rows_last_changed_before_the_retention(CancellationToken cancellation)
    {
        await _store.WriteLedgerAsync([LedgerWrite.Claiming("old", ["ann@x.test"]), LedgerWrite.Claiming("kept", ["ann@x.test"])], Now, cancellation);
        await _store.WriteLedgerAsync([new LedgerWrite("kept", [], ["ann@x.test"], "250 ok", [])], Now.AddDays(6), cancellation);

        var deleted = await _store.DeleteLedgerAsync(Now.AddDays(1), cancellation);

        Assert.Multiple(async () =>
        {
            Assert.That(deleted, Is.EqualTo(1));
            Assert.That(await _store.ReadLedgerAsync("old", cancellation), Is.Empty);
            Assert.That(Rows(await _store.ReadLedgerAsync("kept", cancellation)), Is.EquivalentTo(new[] { ("ann@x.test", LedgerState.Delivered, (string?)"250 ok") }));
        });
    }

    private static IEnumerable<(string Recipient, LedgerState State, string? Reply)> Rows(IEnumerable<LedgerEntry> entries) =>
        entries.Select(e => (e.Recipient, e.State, e.Reply));
}
