using EmailWorker.DeadLetters.Store;
using EmailWorker.Messages;
using EmailWorker.Scheduling;

namespace EmailWorker.DeadLetters.Tests;

/// <summary>
/// The scheduled messages' SQL, the same against SQLite and a real PostgreSQL cluster: a message id is held once, due
/// messages are claimed earliest first with a lease no other claim or cancel crosses, two stores claiming at once never
/// take one message both, a release or a cancel drops the content, and a cancelled message is never claimed.
/// </summary>
[TestFixture(StoreKind.Sqlite)]
[TestFixture(StoreKind.Postgres)]
[CancelAfter(120_000)]
public sealed class When_scheduled_messages_are_held(StoreKind kind)
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly ThrowawayStore _throwaway = new(kind, "scheduled");

    [TearDown]
    public Task CloseAsync() => _throwaway.CleanUpAsync();

    [Test]
    public async Task Should_hold_a_message_id_once_and_give_back_its_body_headers_and_properties(CancellationToken cancellation)
    {
        var store = await _throwaway.OpenAsync(cancellation);
        var body = new byte[] { (byte)'{', 0xff, 0x00, (byte)'}' };
        var message = new IncomingMessage(body)
        {
            Headers = new Dictionary<string, object?> { ["traceparent"] = "00-abc-def-01"u8.ToArray(), ["x-delivery-count"] = 3L },
            ContentType = "application/vnd.masstransit+json",
            MessageId = "amqp-id",
            CorrelationId = "corr",
            Timestamp = 1_700_000_000,
            Priority = 5,
            OriginalUserId = "producer",
        };

        var first = await store.HoldAsync(new HeldMessage("m-1", Now.AddMinutes(-1), Now.AddHours(-1), message), cancellation);
        var again = await store.HoldAsync(new HeldMessage("m-1", Now.AddDays(1), Now, new IncomingMessage(new byte[] { 1 })), cancellation);
        var claimed = await store.ClaimDueAsync("a", Now, Now.AddMinutes(1), 10, cancellation);

        Assert.Multiple(() =>
        {
            Assert.That((first, again), Is.EqualTo((true, false)), "a redelivery or duplicate is not held twice");
            var held = claimed.Single();
            Assert.That((held.MessageId, held.SendAt, held.HeldAt), Is.EqualTo(("m-1", Now.AddMinutes(-1), Now.AddHours(-1))));
            Assert.That(held.Message.Body.ToArray(), Is.EqualTo(body), "byte for byte");
            Assert.That(held.Message.Headers!["traceparent"], Is.EqualTo("00-abc-def-01"));
            Assert.That(held.Message.Headers.ContainsKey("x-delivery-count"), Is.False, "the broker's headers do not travel on");
            Assert.That((held.Message.ContentType, held.Message.MessageId, held.Message.CorrelationId, held.Message.Timestamp, held.Message.Priority,
                held.Message.OriginalUserId), Is.EqualTo(("application/vnd.masstransit+json", "amqp-id", "corr", 1_700_000_000L, (byte?)5, "producer")));
        });
    }

    [Test]
    public async Task Should_claim_due_messages_earliest_first_and_none_twice_while_leased(CancellationToken cancellation)
    {
        var store = await _throwaway.OpenAsync(cancellation);
        await HoldAsync(store, "later", Now.AddHours(1), cancellation);
        await HoldAsync(store, "due-2", Now.AddSeconds(-1), cancellation);
        await HoldAsync(store, "due-1", Now.AddSeconds(-2), cancellation);
        await HoldAsync(store, "due-now", Now, cancellation);

        var nextBefore = await store.NextSendAtAsync(Now, cancellation);
        var byA = await store.ClaimDueAsync("a", Now, Now.AddMinutes(1), 10, cancellation);
        var byB = await store.ClaimDueAsync("b", Now.AddSeconds(30), Now.AddMinutes(2), 10, cancellation);
        var nextWhileLeased = await store.NextSendAtAsync(Now.AddSeconds(30), cancellation);
        var afterLease = await store.ClaimDueAsync("b", Now.AddMinutes(1), Now.AddMinutes(2), 10, cancellation);

        Assert.Multiple(() =>
        {
            Assert.That(nextBefore, Is.EqualTo(Now.AddSeconds(-2)));
            Assert.That(byA.Select(m => m.MessageId), Is.EqualTo(new[] { "due-1", "due-2", "due-now" }), "due at or before now, earliest first");
            Assert.That(byB, Is.Empty, "leased to a");
            Assert.That(nextWhileLeased, Is.EqualTo(Now.AddHours(1)), "leased messages are not waited for");
            Assert.That(afterLease.Select(m => m.MessageId), Is.EqualTo(new[] { "due-1", "due-2", "due-now" }), "a's lease ended unmarked: taken again");
        });
    }

    [Test]
    public async Task Should_let_two_stores_claiming_at_once_take_each_message_once(CancellationToken cancellation)
    {
        var first = await _throwaway.OpenAsync(cancellation);
        var second = await _throwaway.OpenAsync(cancellation);
        var ids = Enumerable.Range(0, 60).Select(i => $"m-{i:D2}").ToList();
        foreach (var id in ids)
            await HoldAsync(first, id, Now.AddSeconds(-1), cancellation);

        var claims = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
            Task.Run(() => (i % 2 == 0 ? first : second).ClaimDueAsync($"owner-{i}", Now, Now.AddMinutes(1), 15, cancellation), cancellation)));

        var taken = claims.SelectMany(c => c.Select(m => m.MessageId)).ToList();
        Assert.That(taken, Is.EquivalentTo(taken.Distinct()), "no message in two claims");
        Assert.That(taken, Is.SubsetOf(ids));
    }

    [Test]
    public async Task Should_mark_released_only_for_the_lease_owner_and_drop_the_content(CancellationToken cancellation)
    {
        var store = await _throwaway.OpenAsync(cancellation);
        await HoldAsync(store, "m-1", Now.AddSeconds(-1), cancellation);
        await store.ClaimDueAsync("a", Now, Now.AddMinutes(1), 10, cancellation);

        var byOther = await store.MarkReleasedAsync("m-1", "b", Now, cancellation);
        var byOwner = await store.MarkReleasedAsync("m-1", "a", Now.AddSeconds(1), cancellation);
        var entry = await store.GetScheduledAsync("m-1", cancellation);
        var claimedLater = await store.ClaimDueAsync("b", Now.AddHours(1), Now.AddHours(2), 10, cancellation);

        Assert.Multiple(() =>
        {
            Assert.That((byOther, byOwner), Is.EqualTo((false, true)));
            Assert.That((entry!.State, entry.ChangedAt, entry.ChangedBy, entry.BodyBytes), Is.EqualTo((ScheduledState.Released, (DateTimeOffset?)Now.AddSeconds(1), "a", 2L)));
            Assert.That(claimedLater, Is.Empty, "released once");
        });
    }

    [Test]
    public async Task Should_cancel_a_held_message_so_it_is_never_claimed_and_say_why_another_cannot_be(CancellationToken cancellation)
    {
        var store = await _throwaway.OpenAsync(cancellation);
        await HoldAsync(store, "held", Now.AddMinutes(5), cancellation);
        await HoldAsync(store, "leased", Now.AddSeconds(-1), cancellation);
        await HoldAsync(store, "released", Now.AddSeconds(-2), cancellation);
        await store.ClaimDueAsync("a", Now, Now.AddMinutes(1), 10, cancellation);
        await store.MarkReleasedAsync("released", "a", Now, cancellation);

        var cancelled = await store.CancelScheduledAsync("held", "ops", Now, cancellation);
        var outcomes = new[]
        {
            await store.CancelScheduledAsync("held", "ops", Now, cancellation),
            await store.CancelScheduledAsync("leased", "ops", Now, cancellation),
            await store.CancelScheduledAsync("released", "ops", Now, cancellation),
            await store.CancelScheduledAsync("unknown", "ops", Now, cancellation),
        };
        var heldAgain = await store.HoldAsync(new HeldMessage("held", Now.AddMinutes(5), Now, new IncomingMessage(new byte[] { 1 })), cancellation);
        var claimedLater = await store.ClaimDueAsync("b", Now.AddDays(1), Now.AddDays(2), 10, cancellation);
        var entry = await store.GetScheduledAsync("held", cancellation);

        Assert.Multiple(() =>
        {
            Assert.That(cancelled, Is.EqualTo(CancelOutcome.Cancelled));
            Assert.That(outcomes, Is.EqualTo(new[] { CancelOutcome.AlreadyCancelled, CancelOutcome.BeingReleased, CancelOutcome.AlreadyReleased, CancelOutcome.NotFound }));
            Assert.That(heldAgain, Is.False, "a redelivery of a cancelled message is not held again");
            Assert.That(claimedLater.Select(m => m.MessageId), Is.EqualTo(new[] { "leased" }), "the cancelled one never; the leased one after its lease");
            Assert.That((entry!.State, entry.ChangedBy), Is.EqualTo((ScheduledState.Cancelled, "ops")));
        });
    }

    [Test]
    public async Task Should_list_by_send_at_page_by_page_and_by_state(CancellationToken cancellation)
    {
        var store = await _throwaway.OpenAsync(cancellation);
        await HoldAsync(store, "c", Now.AddMinutes(2), cancellation);
        await HoldAsync(store, "b", Now.AddMinutes(1), cancellation);
        await HoldAsync(store, "a", Now.AddMinutes(1), cancellation);
        await HoldAsync(store, "gone", Now.AddMinutes(3), cancellation);
        await store.CancelScheduledAsync("gone", "ops", Now, cancellation);

        var first = await store.ListScheduledAsync(ScheduledState.Held, null, 2, cancellation);
        var second = await store.ListScheduledAsync(ScheduledState.Held, (first[^1].SendAt, first[^1].MessageId), 2, cancellation);
        var all = await store.ListScheduledAsync(null, null, 10, cancellation);

        Assert.Multiple(() =>
        {
            Assert.That(first.Select(e => e.MessageId), Is.EqualTo(new[] { "a", "b" }));
            Assert.That(second.Select(e => e.MessageId), Is.EqualTo(new[] { "c" }));
            Assert.That(all.Select(e => (e.MessageId, e.State)), Is.EqualTo(new[]
            {
                ("a", ScheduledState.Held), ("b", ScheduledState.Held), ("c", ScheduledState.Held), ("gone", ScheduledState.Cancelled),
            }));
        });
    }

    private static Task<bool> HoldAsync(SqlDeadLetterStore store, string messageId, DateTimeOffset sendAt, CancellationToken cancellation) =>
        store.HoldAsync(new HeldMessage(messageId, sendAt, Now.AddHours(-1), new IncomingMessage(new byte[] { 1, 2 }) { ContentType = "application/json" }),
            cancellation);
}
