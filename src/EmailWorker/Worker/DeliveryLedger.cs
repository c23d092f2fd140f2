using EmailWorker.Configuration;
using EmailWorker.Delivery.Ledger;
using EmailWorker.Diagnostics;
using EmailWorker.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EmailWorker.Worker;

/// <summary>
/// The delivered ledger as the handler uses it (<c>Delivery:Ledger</c>): before an attempt, look up who has the mail
/// already (<c>delivered</c>) and who is in doubt (<c>sending</c>: an earlier attempt never recorded its end); once a
/// connection is ready, claim the recipients sent to as <c>sending</c> — durably, before any of the content goes out;
/// after the attempt, record the 250's recipients as <c>delivered</c> and release the claims of the refused and the
/// untried, before the source is acked. The ledger adds to the broker's guarantees and never takes from them: when its
/// database fails the message goes on as without the ledger (at-least-once), and says so.
/// </summary>
internal sealed class DeliveryLedger(LedgerGroupCommit commits, IOptions<DeliveryOptions> options, WorkerMetrics metrics,
    ILogger<DeliveryLedger> logger)
{
    /// <summary>How long a handler waits for the ledger's database before it goes on without it.</summary>
    private static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(10);
    private const int MaxReplyLength = 300;

    public bool Enabled => options.Value.Ledger;

    private bool AssumeInDoubtDelivered => Enum.Parse<InDoubtPolicy>(options.Value.InDoubt, ignoreCase: true) == InDoubtPolicy.AssumeDelivered;

    /// <summary>The ledger's key for an address: the same mailbox however the producer spelled its case.</summary>
    public static string Key(string address) => address.ToLowerInvariant();

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

    /// <summary>Claims the recipients as <c>sending</c>; returns once the claim is durable (or failed, which is logged).</summary>
    public async Task ClaimAsync(string messageId, IReadOnlyList<string> recipients)
    {
        try
        {
            await commits.WriteAsync(LedgerWrite.Claiming(messageId, Keys(recipients))).WaitAsync(WriteTimeout);
        }
        catch (Exception ex)
        {
            Failed("claim the recipients", messageId, ex);
        }
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
            Failed("record the attempt", messageId, ex);
        }
    }

    private void Failed(string operation, string messageId, Exception ex)
    {
        metrics.LedgerFailed(operation.Split(' ')[0]);
        Log.LedgerWriteFailed(logger, operation, messageId, SafeText.Bound(ex.Message, 300));
    }

    private static string[] Keys(IReadOnlyList<string> addresses) => [.. addresses.Select(Key).Distinct(StringComparer.Ordinal)];
}
