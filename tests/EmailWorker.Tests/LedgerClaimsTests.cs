using EmailWorker.Configuration;
using EmailWorker.Delivery.Ledger;
using EmailWorker.Messages;
using EmailWorker.Outcomes;
using EmailWorker.Routing;
using EmailWorker.Worker;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EmailWorker.Tests;

/// <summary>
/// A delivery's claims against the ledger's rows (an in-memory ledger behind the real group commit): which rows the
/// delivery accounts for, when a send must not go (another copy's rows), which rows a delivery's record releases, and
/// which copies are looked up at all.
/// </summary>
[TestFixture]
[CancelAfter(10_000)]
internal sealed class LedgerClaimsTests
{
    private const string MessageId = "m-claims";
    [Test]
    public async Task Should_not_send_a_first_copy_whose_claim_finds_a_row_and_release_only_the_rows_it_made()
    {
        var store = new MemoryLedger { ["ann@example.org"] = LedgerState.Delivered };
        await using var commits = Commits(store);
        var claims = new LedgerClaims(Ledger(commits), MessageId, findings: null, lookedUp: false);

        var go = await claims.ClaimAsync(["Ann@example.org", "bob@example.org"]);
        claims.Settle();
        await commits.RecordedAsync();

        Assert.Multiple(() =>
        {
            Assert.That(go, Is.False, "another copy's row: nothing is sent");
            Assert.That(store.Rows, Is.EquivalentTo(new Dictionary<string, LedgerState> { ["ann@example.org"] = LedgerState.Delivered }),
                "Bob's new claim released, Ann's 250 untouched");
        });
    }

    [Test]
    public async Task Should_send_to_a_recipient_the_look_up_found_in_doubt_and_keep_its_row_when_refused()
    {
        var store = new MemoryLedger { ["ann@example.org"] = LedgerState.Sending };
        await using var commits = Commits(store);
        var claims = new LedgerClaims(Ledger(commits), MessageId, InDoubt("ann@example.org"), lookedUp: true);

        var go = await claims.ClaimAsync(["ann@example.org", "bob@example.org"]);
        claims.Settled([Refused("ann@example.org"), Refused("bob@example.org")], "");
        claims.Settle();
        await commits.RecordedAsync();

        Assert.Multiple(() =>
        {
            Assert.That(go, Is.True, "the row in doubt is accounted for: sent again (Resend)");
            Assert.That(store.Rows, Is.EquivalentTo(new Dictionary<string, LedgerState> { ["ann@example.org"] = LedgerState.Sending }),
                "Bob's claim released; Ann's row, made by an earlier attempt, stays in doubt");
        });
    }

    [Test]
    public async Task Should_not_send_to_a_recipient_in_doubt_whose_250_was_recorded_since_the_look_up()
    {
        var store = new MemoryLedger { ["ann@example.org"] = LedgerState.Delivered };
        await using var commits = Commits(store);
        var claims = new LedgerClaims(Ledger(commits), MessageId, InDoubt("ann@example.org"), lookedUp: true);

        Assert.That(await claims.ClaimAsync(["ann@example.org"]), Is.False);
    }

    [Test]
    public async Task Should_go_on_as_without_the_ledger_when_the_look_up_failed()
    {
        var store = new MemoryLedger { ["ann@example.org"] = LedgerState.Delivered };
        await using var commits = Commits(store);
        var claims = new LedgerClaims(Ledger(commits), MessageId, findings: null, lookedUp: true);

        Assert.That(await claims.ClaimAsync(["ann@example.org"]), Is.True, "nothing to compare the rows with");
    }

    [Test]
    public async Task Should_keep_the_claim_of_a_recipient_throttled_once_and_maybe_delivered_by_the_next_send()
    {
        var store = new MemoryLedger();
        await using var commits = Commits(store);
        var claims = new LedgerClaims(Ledger(commits), MessageId, findings: null, lookedUp: false);

        Assert.That(await claims.ClaimAsync(["ann@example.org"]), Is.True);
        claims.Settled([new RecipientOutcome("ann@example.org", new AttemptOutcome(OutcomeClass.Throttled, "452 4.3.1 slow down"))], "");
        Assert.That(await claims.ClaimAsync(["ann@example.org"]), Is.True, "its own earlier claim is accounted for");
        claims.Settled([new RecipientOutcome("ann@example.org", new AttemptOutcome(OutcomeClass.Transient, "connection lost", MaybeDelivered: true))], "");
        claims.Settle();
        await commits.RecordedAsync();

        Assert.That(store.Rows, Is.EquivalentTo(new Dictionary<string, LedgerState> { ["ann@example.org"] = LedgerState.Sending }),
            "the relay may have the mail: in doubt if the message comes again");
    }

    [TestCase(false, 0, 0, false)]
    [TestCase(true, 0, 0, true)]
    [TestCase(false, 1, 0, true)]
    [TestCase(false, 0, 1, true)]
    public void Should_look_up_a_copy_only_when_it_may_have_been_handled_before(bool redelivered, int attempts, int replays, bool lookedUp)
    {
        var incoming = new IncomingMessage(ReadOnlyMemory<byte>.Empty) { Redelivered = redelivered };
        var state = AttemptState.New with { Attempts = attempts, ReplayCount = replays };

        Assert.That(DeliveryLedger.MayHaveRows(incoming, state), Is.EqualTo(lookedUp));
    }

    private LedgerGroupCommit Commits(MemoryLedger store) =>
        new(store, TestMetrics.Worker("ledger-claims-test"), TimeProvider.System);

    private DeliveryLedger Ledger(LedgerGroupCommit commits) => new(commits, Options.Create(new DeliveryOptions()),
        TestMetrics.Worker("ledger-claims-test"), NullLogger<DeliveryLedger>.Instance);

    private static LedgerFindings InDoubt(string recipient) => new([], [recipient], InDoubtAssumedDelivered: false, [recipient]);

    private static RecipientOutcome Refused(string address) =>
        new(address, new AttemptOutcome(OutcomeClass.Permanent, "550 5.1.1 no such user", 550, "5.1.1", Stage: SmtpStage.RcptTo));

    /// <summary>One message's ledger rows in memory, by recipient key, written as the SQL stores write them.</summary>
    private sealed class MemoryLedger : Dictionary<string, LedgerState>, ILedgerStoreSource, ILedgerStore
    {
        public IReadOnlyDictionary<string, LedgerState> Rows => new Dictionary<string, LedgerState>(this);

        public string Description => "memory";

        public Task<ILedgerStore> GetAsync(CancellationToken cancellationToken) => Task.FromResult<ILedgerStore>(this);

        public Task<IReadOnlyList<IReadOnlyList<LedgerEntry>>> WriteLedgerAsync(IReadOnlyList<LedgerWrite> writes, DateTimeOffset now,
            CancellationToken cancellationToken)
        {
            var found = new List<IReadOnlyList<LedgerEntry>>();
            foreach (var write in writes)
            {
                found.Add([.. write.Claim.Where(ContainsKey).Select(r => new LedgerEntry(write.MessageId, r, this[r], now, now, null))]);
                foreach (var recipient in write.Claim)
                    TryAdd(recipient, LedgerState.Sending);
                foreach (var recipient in write.Delivered)
                    this[recipient] = LedgerState.Delivered;
                foreach (var recipient in write.Release.Where(r => TryGetValue(r, out var state) && state == LedgerState.Sending))
                    Remove(recipient);
            }
            return Task.FromResult<IReadOnlyList<IReadOnlyList<LedgerEntry>>>(found);
        }

        public Task<IReadOnlyList<IReadOnlyList<LedgerEntry>>> LookUpLedgerAsync(IReadOnlyList<string> messageIds, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task<IReadOnlyList<LedgerEntry>> ReadLedgerAsync(string messageId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<int> DeleteLedgerAsync(DateTimeOffset olderThan, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
