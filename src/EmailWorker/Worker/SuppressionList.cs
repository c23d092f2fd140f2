using System.Diagnostics;
using EmailWorker.Configuration;
using EmailWorker.Delivery.Suppression;
using EmailWorker.Diagnostics;
using EmailWorker.Outcomes;
using EmailWorker.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EmailWorker.Worker;

/// <summary>
/// The suppression list as the handler uses it (<c>Suppression:Enabled</c>): before an attempt, one look-up for all the
/// message's recipients and their domains, in the global scope and the message's stream; after it, recipients refused at
/// RCPT with a hard-bounce code (<c>Suppression:HardBounceCodes</c>) are added, globally: a mailbox that does not exist
/// does not exist for any stream; recipients that fail soft (a full mailbox) are counted, and added as <c>soft_bounce</c>
/// after <c>Suppression:SoftFailures:Count</c> messages within its window. The list only ever takes recipients out:
/// when its database fails or is slow, delivery goes on without the check, and says so.
/// </summary>
internal sealed class SuppressionList(ISuppressionStoreSource stores, SuppressionFilter filter, IOptions<SuppressionOptions> options, TimeProvider time,
    WorkerMetrics metrics, ILogger<SuppressionList> logger)
{
    /// <summary>How long a handler waits for the list's database before it sends without the check.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);
    private static readonly string[] GlobalOnly = [SuppressionReasons.Global];

    /// <summary>Who the worker's own entries are by.</summary>
    public const string WorkerActor = "worker";

    public bool Enabled => options.Value.Enabled;

    /// <summary>
    /// Who of <paramref name="recipients"/> is listed globally or for <paramref name="stream"/> (a validated stream name; null:
    /// global only); null when the list is off, nobody is listed, or its database failed.
    /// </summary>
    public async Task<SuppressionFindings?> LookUpAsync(string messageId, IReadOnlyList<string> recipients, string? stream)
    {
        if (!Enabled || recipients.Count == 0)
            return null;
        SuppressionLookup found;
        var startedAt = Stopwatch.GetTimestamp();
        var keys = SuppressionKey.LookupKeys(recipients);
        // Most messages: none of their keys is in the filter, so none is listed (nor has a soft-failure count).
        if (!filter.MayHold(keys))
        {
            metrics.SuppressionLookedUp(startedAt);
            return null;
        }
        try
        {
            using var timeout = new CancellationTokenSource(Timeout);
            var store = await stores.GetAsync(timeout.Token);
            found = await store.FindSuppressionsAsync(keys,
                stream is null ? GlobalOnly : [SuppressionReasons.Global, stream], options.Value.SoftFailures.Enabled, timeout.Token);
            metrics.SuppressionLookedUp(startedAt);
        }
        catch (Exception ex)
        {
            Failed("look", "look up the recipients", messageId, ex);
            return null;
        }
        if (found.Entries.Count == 0 && found.SoftFailing.Count == 0)
            return null;
        // A key listed both globally and for the stream is reported by its global entry, the one that holds for every stream.
        var byKey = found.Entries.GroupBy(e => e.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderBy(e => e.Scope == SuppressionReasons.Global ? 0 : 1).First(), StringComparer.Ordinal);
        var suppressed = new List<SuppressedRecipient>();
        var remaining = new List<string>();
        foreach (var address in recipients)
        {
            var entry = byKey.GetValueOrDefault(SuppressionKey.Of(address))
                ?? (SuppressionKey.DomainOf(address) is { } domain ? byKey.GetValueOrDefault(domain) : null);
            if (entry is null)
                remaining.Add(address);
            else
                suppressed.Add(new SuppressedRecipient(address, entry.Key, entry.Reason, entry.Scope));
        }
        return new SuppressionFindings(suppressed, remaining) { SoftFailing = found.SoftFailing };
    }

    /// <summary>Adds the recipients refused at RCPT with a hard-bounce code, naming <paramref name="messageId"/> as the source.</summary>
    public async Task AddHardBouncesAsync(string messageId, IReadOnlyList<RecipientOutcome> outcomes)
    {
        if (!Enabled)
            return;
        var codes = options.Value.HardBounceCodes;
        var now = time.GetUtcNow();
        var entries = outcomes
            .Where(o => o.Outcome is { Class: OutcomeClass.Permanent, Stage: SmtpStage.RcptTo, EnhancedCode: { } code } && codes.Contains(code))
            .Select(o => SuppressionKey.Of(o.Address)).Distinct(StringComparer.Ordinal)
            .Select(key => new SuppressionEntry(key, SuppressionReasons.Global, SuppressionReasons.HardBounce, messageId, now, WorkerActor))
            .ToList();
        if (entries.Count == 0)
            return;
        try
        {
            using var timeout = new CancellationTokenSource(Timeout);
            var store = await stores.GetAsync(timeout.Token);
            var added = await store.AddSuppressionsAsync(entries, timeout.Token);
            filter.Added(entries.Select(e => e.Key));
            if (added > 0)
            {
                metrics.SuppressionAdded(added, SuppressionReasons.HardBounce);
                Log.SuppressionAdded(logger, messageId, added);
            }
        }
        catch (Exception ex)
        {
            Failed("add", "add the hard bounces", messageId, ex);
        }
    }

    /// <summary>
    /// Counts the recipients that failed soft in this attempt (<see cref="SoftFailureRule"/>), adding a <c>soft_bounce</c>
    /// entry for those that reach <c>Suppression:SoftFailures:Count</c>, and clears the counts of those delivered to. Both
    /// are writes only where there is something to write: a failure, or a count the look-up found.
    /// </summary>
    public async Task CountSoftFailuresAsync(string messageId, int attemptsBefore, IReadOnlyList<RecipientOutcome> outcomes, SuppressionFindings? findings)
    {
        var soft = options.Value.SoftFailures;
        if (!Enabled || !soft.Enabled)
            return;
        var failed = SoftFailureRule.FailedSoft(outcomes, attemptsBefore, soft.Codes);
        var delivered = findings is { SoftFailing.Count: > 0 }
            ? outcomes.Where(o => o.Outcome.Class == OutcomeClass.Delivered).Select(o => SuppressionKey.Of(o.Address))
                .Where(findings.SoftFailing.Contains).Distinct(StringComparer.Ordinal).ToList()
            : [];
        if (failed.Count == 0 && delivered.Count == 0)
            return;
        try
        {
            using var timeout = new CancellationTokenSource(Timeout);
            var store = await stores.GetAsync(timeout.Token);
            if (delivered.Count > 0)
                await store.ClearSoftFailuresAsync(delivered, timeout.Token);
            if (failed.Count == 0)
                return;
            var added = await store.CountSoftFailuresAsync(failed, messageId, new SoftFailureCount(soft.Count, soft.WindowValue, time.GetUtcNow()),
                WorkerActor, timeout.Token);
            // Each has a count or an entry now: the next message to it is looked up in the database.
            filter.Added(failed);
            if (added.Count > 0)
            {
                metrics.SuppressionAdded(added.Count, SuppressionReasons.SoftBounce);
                Log.SuppressionAddedAfterSoftFailures(logger, messageId, added.Count, soft.Count, soft.Window);
            }
        }
        catch (Exception ex)
        {
            Failed("count", "count the soft failures", messageId, ex);
        }
    }

    private void Failed(string operation, string description, string messageId, Exception ex)
    {
        metrics.SuppressionFailed(operation);
        Log.SuppressionFailed(logger, description, messageId, SafeText.Bound(ex.Message, 300));
    }
}
