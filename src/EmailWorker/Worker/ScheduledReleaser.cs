using EmailWorker.Broker;
using EmailWorker.Configuration;
using EmailWorker.Diagnostics;
using EmailWorker.Scheduling;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EmailWorker.Worker;

/// <summary>
/// Publishes held messages to the work exchange when due: it reads the earliest <c>sendAt</c> and sleeps until then (at
/// most <c>Scheduled:PollInterval</c>, so messages another worker held are seen too), claims the due ones with a lease
/// (two workers on one PostgreSQL store never publish one twice; a cancel refuses a leased one), publishes each with
/// confirms through <see cref="MessageMover.ReleaseAsync"/> and only then marks it released. A crash between the confirm
/// and the mark publishes it again once the lease ends: at least once, as every move (the delivered ledger skips the
/// recipients who got it).
/// </summary>
internal sealed class ScheduledReleaser(IScheduledStoreSource stores, MessageMover mover, IOptions<ScheduledOptions> options, TimeProvider time,
    ILogger<ScheduledReleaser> logger) : BackgroundService
{
    private const int BatchSize = 100;

    /// <summary>How long a claim holds its messages; every publish must end well inside it (<see cref="PublishTimeout"/>).</summary>
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);

    /// <summary>This process's claims: host, process and a token of this run.</summary>
    private readonly string _owner = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        IScheduledStore? store = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                store ??= await stores.GetAsync(stoppingToken);
                wait = await ReleaseDueAsync(store, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Log.ScheduledReleaseFailed(logger, ex.Message, RetryDelay);
                wait = RetryDelay;
            }
            if (wait <= TimeSpan.Zero)
                continue;
            try
            {
                await Task.Delay(wait, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>Publishes what is due now; returns how long to sleep before looking again.</summary>
    private async Task<TimeSpan> ReleaseDueAsync(IScheduledStore store, CancellationToken stopping)
    {
        var poll = options.Value.PollIntervalValue;
        var now = time.GetUtcNow();
        // A read first: the claim is a write, and on SQLite every write takes the file's one lock (the ledger's too).
        if (await store.NextSendAtAsync(now, stopping) is not { } next)
            return poll;
        if (next > now)
            return next - now < poll ? next - now : poll;
        var leaseUntil = now + Lease;
        var claimed = await store.ClaimDueAsync(_owner, now, leaseUntil, BatchSize, stopping);
        for (var i = 0; i < claimed.Count; i++)
        {
            var held = claimed[i];
            // Only while the lease surely outlasts the publish: a cancel is refused until the lease ends.
            if (time.GetUtcNow() + PublishTimeout >= leaseUntil || stopping.IsCancellationRequested)
            {
                await FreeAsync(store, claimed.Skip(i));
                return TimeSpan.Zero;
            }
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                timeout.CancelAfter(PublishTimeout);
                await mover.ReleaseAsync(held.Message, timeout.Token);
            }
            catch
            {
                // This one may have reached the broker (no confirm seen): it keeps its lease until it ends. The rest are
                // free for the next claim at once.
                await FreeAsync(store, claimed.Skip(i + 1));
                throw;
            }
            using (var marking = new CancellationTokenSource(PublishTimeout))
            {
                if (!await store.MarkReleasedAsync(held.MessageId, _owner, time.GetUtcNow(), marking.Token))
                    Log.ScheduledLeaseLost(logger, held.MessageId);
            }
            Log.ScheduledReleased(logger, held.MessageId, held.SendAt, (long)(time.GetUtcNow() - held.SendAt).TotalMilliseconds);
        }
        // None claimed: another worker took them meanwhile; look again after a poll, not at once.
        return claimed.Count == 0 ? poll : TimeSpan.Zero;
    }

    private async Task FreeAsync(IScheduledStore store, IEnumerable<HeldMessage> unpublished)
    {
        var ids = unpublished.Select(m => m.MessageId).ToList();
        if (ids.Count == 0)
            return;
        try
        {
            using var timeout = new CancellationTokenSource(PublishTimeout);
            await store.FreeLeasesAsync(ids, _owner, timeout.Token);
        }
        catch (Exception ex)
        {
            // Their leases end by themselves; only the next claim waits for that.
            Log.ScheduledReleaseFailed(logger, ex.Message, Lease);
        }
    }
}
