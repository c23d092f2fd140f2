using EmailWorker.Configuration;
using EmailWorker.Delivery.Ledger;
using EmailWorker.Diagnostics;
using EmailWorker.Messages;
using EmailWorker.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EmailWorker.Worker;

/// <summary>
/// The delivered ledger as the handler uses it (<c>Delivery:Ledger</c>): before an attempt, look up who has the mail
/// already (<c>delivered</c>) and who is in doubt (<c>sending</c>: an earlier attempt never recorded its end); once a
/// connection is ready, claim the recipients sent to as <c>sending</c> — durably, before any of the content goes out;
/// after the attempt, record the 250's recipients as <c>delivered</c> and release the claims of the refused and the
/// untried — not waited for by the handler, but by the acks: <see cref="RecordedAsync"/> before each ack batch.
/// The look-up is skipped for a copy seen for the first time (<see cref="MayHaveRows"/>): the claim itself returns any
/// row that exists, and finding one there gives the message back to be looked up. The ledger adds to the broker's
/// guarantees and never takes from them: when its database fails the message goes on as without the ledger
/// (at-least-once), and says so.
/// </summary>
internal sealed class DeliveryLedger(LedgerGroupCommit commits, IOptions<DeliveryOptions> options, WorkerMetrics metrics,
    ILogger<DeliveryLedger> logger)
{
    /// <summary>How long a handler waits for the ledger's database before it goes on without it.</summary>
    private static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(10);
    private const int MaxReplyLength = 300;
    private static readonly IReadOnlyDictionary<string, LedgerState> NoRows = new Dictionary<string, LedgerState>();

    public bool Enabled => options.Value.Ledger;

    private bool AssumeInDoubtDelivered => Enum.Parse<InDoubtPolicy>(options.Value.InDoubt, ignoreCase: true) == InDoubtPolicy.AssumeDelivered;

    /// <summary>The ledger's key for an address: the same mailbox however the producer spelled its case.</summary>
    public static string Key(string address) => address.ToLowerInvariant();

    /// <summary>
    /// Whether the ledger may hold rows of this copy's message: it was handed out before (redelivered), or carries an
    /// earlier attempt, return or replay. A copy with neither is most often the message's first; when it is not (a
    /// producer published the message twice), its claim finds the rows and gives it back to be looked up.
    /// </summary>
    public static bool MayHaveRows(IncomingMessage incoming, AttemptState state) => incoming.Redelivered
        || state.Attempts > 0 || state.FirstAttemptAt is not null || state.Recipients is not null || state.SystemReturns > 0 || state.ReplayCount > 0;

    /// <summary>What the ledger holds for the recipients; null when the ledger is off or its database failed.</summary>
    public async Task<LedgerFindings?> LookUpAsync(string messageId, IReadOnlyList<string> recipients)
    {
        if (!Enabled)
            return null;
        IReadOnlyList<LedgerEntry> found;
        try
        {
            found = await commits.LookUpAsync(messageId).WaitAsync(WriteTimeout);
        }
        catch (Exception ex)
        {
            Failed("look up the recipients", messageId, ex);
            return null;
        }
        var states = found.ToDictionary(e => e.Recipient, e => e.State, StringComparer.Ordinal);
        var deliveredBefore = recipients.Where(r => states.TryGetValue(Key(r), out var state) && state == LedgerState.Delivered).ToList();
        var inDoubt = recipients.Where(r => states.TryGetValue(Key(r), out var state) && state == LedgerState.Sending).ToList();
        var assume = AssumeInDoubtDelivered;
        var remaining = recipients.Where(r => !deliveredBefore.Contains(r) && !(assume && inDoubt.Contains(r))).ToList();
        return new LedgerFindings(deliveredBefore, inDoubt, assume, remaining);
    }

    /// <summary>
    /// Claims the recipients as <c>sending</c>; returns once the claim is durable, with the state of the rows that were
    /// there already, by key (none when the claim failed, which is logged).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, LedgerState>> ClaimAsync(string messageId, IReadOnlyList<string> recipients)
    {
        try
        {
            var found = await commits.WriteAsync(LedgerWrite.Claiming(messageId, Keys(recipients))).WaitAsync(WriteTimeout);
            return found.ToDictionary(e => e.Recipient, e => e.State, StringComparer.Ordinal);
        }
        catch (Exception ex)
        {
            Failed("claim the recipients", messageId, ex);
            return NoRows;
        }
    }

    /// <summary>
    /// Records <paramref name="delivered"/> with the relay's <paramref name="reply"/> and releases the claims of
    /// <paramref name="released"/>; recipients in neither stay claimed (the relay may have the mail: in doubt next time).
    /// Returns at once: the record is durable before the source's ack goes out (<see cref="RecordedAsync"/>).
    /// </summary>
    public void Settle(string messageId, IReadOnlyList<string> delivered, string reply, IReadOnlyList<string> released)
    {
        if (!Enabled || (delivered.Count == 0 && released.Count == 0))
            return;
        var write = new LedgerWrite(messageId, [], Keys(delivered), SafeText.Bound(reply, MaxReplyLength), Keys(released));
        commits.Record(write, ex => Failed("record the attempt", messageId, ex));
    }

    /// <summary>
    /// Completes once every record made before it is durable (or failed, or took longer than the handlers would wait
    /// for the database, which is logged): what the acks wait for.
    /// </summary>
    public async Task RecordedAsync()
    {
        if (!Enabled)
            return;
        try
        {
            await commits.RecordedAsync().WaitAsync(WriteTimeout);
        }
        catch (TimeoutException)
        {
            metrics.LedgerFailed("wait");
            Log.LedgerRecordsLate(logger, WriteTimeout);
        }
    }

    /// <summary>A claim found rows its delivery does not account for (<see cref="LedgerClaims.ClaimAsync"/>): said, the copy given back.</summary>
    public void ClaimedElsewhere(string messageId, int recipientCount) => Log.LedgerClaimedElsewhere(logger, messageId, recipientCount);

    private void Failed(string operation, string messageId, Exception ex)
    {
        metrics.LedgerFailed(operation.Split(' ')[0]);
        Log.LedgerWriteFailed(logger, operation, messageId, SafeText.Bound(ex.Message, 300));
    }

    private static string[] Keys(IReadOnlyList<string> addresses) => [.. addresses.Select(Key).Distinct(StringComparer.Ordinal)];
}
