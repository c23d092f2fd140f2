using EmailWorker.Configuration;
using EmailWorker.DeadLetters;
using EmailWorker.Logging;
using EmailWorker.Observability;
using EmailWorker.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EmailWorker.Ledger;

/// <summary>
/// The delivered ledger as the handler uses it (<c>Delivery:Ledger</c>): before an attempt, claim every recipient as
/// <c>sending</c> — durably, before any of the content is sent — and learn who has the mail already (<c>delivered</c>)
/// and who is in doubt (found <c>sending</c>: an earlier attempt never recorded its end); after the attempt, record the
/// 250's recipients as <c>delivered</c> and release the claims of the refused and the untried, before the source is
/// acked. The ledger adds to the broker's guarantees and never takes from them: when its database fails the message goes
/// on as without the ledger (at-least-once), and says so.
/// </summary>
internal sealed class DeliveryLedger(LedgerGroupCommit commits, IOptions<DeliveryOptions> options, WorkerMetrics metrics, ILogger<DeliveryLedger> logger)
{
    /// <summary>How long a handler waits for its write's commit before it goes on without it.</summary>
    private static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(10);
    private const int MaxReplyLength = 300;

    public bool Enabled => options.Value.Ledger;

    private bool AssumeInDoubtDelivered => Enum.Parse<InDoubtPolicy>(options.Value.InDoubt, ignoreCase: true) == InDoubtPolicy.AssumeDelivered;

    /// <summary>The ledger's key for an address: the same mailbox however the producer spelled its case.</summary>
    public static string Key(string address) => address.ToLowerInvariant();

    /// <summary>Claims the recipients and returns what the ledger held for them; null when the ledger is off or failed.</summary>
    public async Task<LedgerFindings?> ClaimAsync(string messageId, IReadOnlyList<string> recipients)
    {
        if (!Enabled)
            return null;
        IReadOnlyList<LedgerEntry> found;
        try
        {
            found = await commits.WriteAsync(LedgerWrite.Claiming(messageId, Keys(recipients))).WaitAsync(WriteTimeout);
        }
        catch (Exception ex)
        {
            metrics.LedgerFailed("claim");
            Log.LedgerWriteFailed(logger, "claim the recipients", messageId, SafeText.Bound(ex.Message, 300));
            return null;
        }
        var states = found.ToDictionary(e => e.Recipient, e => e.State, StringComparer.Ordinal);
        var deliveredBefore = recipients.Where(r => states.GetValueOrDefault(Key(r), (LedgerState)(-1)) == LedgerState.Delivered).ToList();
        var inDoubt = recipients.Where(r => states.GetValueOrDefault(Key(r), (LedgerState)(-1)) == LedgerState.Sending).ToList();
        var assume = AssumeInDoubtDelivered;
        var remaining = recipients.Where(r => !deliveredBefore.Contains(r) && !(assume && inDoubt.Contains(r))).ToList();
        return new LedgerFindings(deliveredBefore, inDoubt, assume, remaining);
    }

    /// <summary>
    /// Records <paramref name="delivered"/> with the relay's <paramref name="reply"/> and releases the claims of
    /// <paramref name="released"/>; recipients in neither stay claimed (the relay may have the mail: in doubt next time).
    /// </summary>
    public async Task SettleAsync(string messageId, IReadOnlyList<string> delivered, string reply, IReadOnlyList<string> released)
    {
        if (!Enabled || (delivered.Count == 0 && released.Count == 0))
            return;
        try
        {
            var write = new LedgerWrite(messageId, [], Keys(delivered), SafeText.Bound(reply, MaxReplyLength), Keys(released));
            await commits.WriteAsync(write).WaitAsync(WriteTimeout);
        }
        catch (Exception ex)
        {
            metrics.LedgerFailed("record");
            Log.LedgerWriteFailed(logger, "record the attempt", messageId, SafeText.Bound(ex.Message, 300));
        }
    }

    private static string[] Keys(IReadOnlyList<string> addresses) => [.. addresses.Select(Key).Distinct(StringComparer.Ordinal)];
}
