using System.Diagnostics;
using EmailWorker.Broker;
using EmailWorker.DeadLetters.Views;
using EmailWorker.DeadLetters.Store;
using EmailWorker.Messages;
using EmailWorker.Routing;

namespace EmailWorker.DeadLetters.Replay;

/// <summary>
/// Runs a replay job from its cursor to its end. The run first takes the job (one run at a time holds it, renewing its hold
/// every few seconds), then sends the letters in batches of half a window (fewer when their bodies pass
/// <see cref="LetterBudget.BytesPerRead"/>), two batches in flight: one is confirmed while
/// the next is published. Before any letter is published the store records how far the job may be in flight (the cursor
/// plus one window); once every confirm of a batch came back its letters are marked replayed, the cursor moved and the
/// in-flight mark pushed one batch on, in one transaction. A kill leaves at most one window published and unmarked —
/// the only letters a resume can send twice, counted from that mark. The mover and the status-event publisher come from the
/// front end's composition (<see cref="OperatorPublishing"/>). Progress goes to <paramref name="progress"/> (the CLI writes
/// it to standard error; the dashboard passes none), never to the console.
/// </summary>
internal sealed class ReplayJobRunner(OperatorContext context, IDeadLetterStore store, MessageMover mover, StatusEventPublisher events, string replayedBy,
    IProgress<ReplayProgress>? progress = null)
{
    /// <summary>Letters that may be in flight at once unpaced (published, not yet marked): bounds the duplicates a kill can cause.</summary>
    public const int Window = 512;

    private static readonly string Tool = $"emailworker-cli@{Environment.MachineName}";

    /// <summary>The window for a rate: a tenth of a second's letters, so pacing stays smooth.</summary>
    public static int WindowFor(double? rate) => rate is { } perSecond ? (int)Math.Clamp(Math.Ceiling(perSecond / 10), 1, Window) : Window;

    public async Task<ReplayJob> RunAsync(ReplayJob job, double? rate, CancellationToken cancellationToken)
    {
        var runner = Guid.NewGuid().ToString("N");
        job = await store.ClaimReplayJobAsync(job.Id, runner, DateTimeOffset.UtcNow, cancellationToken);
        if (job.State is ReplayJobState.Completed or ReplayJobState.Cancelled)
            return job;
        using var held = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var heartbeat = new ReplayJobHeartbeat(store, job.Id, runner);
        var beating = heartbeat.RunAsync(held);
        try
        {
            job = await ReplayAsync(job, runner, rate, held.Token);
            return await store.ReleaseReplayJobAsync(job.Id, runner, ReplayJobState.Completed, DateTimeOffset.UtcNow, CancellationToken.None);
        }
        catch (Exception) when (heartbeat.Lost is { } lost)
        {
            throw lost;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Interrupted by the operator: still running, and resumable at once by another run.
            await store.ReleaseReplayJobAsync(job.Id, runner, ReplayJobState.Running, DateTimeOffset.UtcNow, CancellationToken.None);
            throw;
        }
        catch (Exception ex) when (ex is not ReplayJobBusyException)
        {
            // A nack, a return or a lost broker: the job stops where its last confirmed batch ended, resumable.
            await store.ReleaseReplayJobAsync(job.Id, runner, ReplayJobState.Failed, DateTimeOffset.UtcNow, CancellationToken.None);
            throw;
        }
        finally
        {
            await held.CancelAsync();
            await beating;
        }
    }

    private async Task<ReplayJob> ReplayAsync(ReplayJob job, string runner, double? rate, CancellationToken cancellationToken)
    {
        var window = WindowFor(rate);
        var batchSize = Math.Max(1, window / 2);
        var inFlight = new Queue<Batch>(2);
        var read = job.Cursor;
        var reserved = Math.Min(job.Total, job.Cursor + window);
        job = await store.BeginReplayWindowAsync(job.Id, runner, reserved, DateTimeOffset.UtcNow, cancellationToken);
        var startCursor = job.Cursor;
        var clock = Stopwatch.StartNew();
        var lastProgress = TimeSpan.Zero;
        try
        {
            while (true)
            {
                while (inFlight.Count < 2 && read < job.Total && Math.Min(read + batchSize, job.Total) <= reserved)
                {
                    if (rate is { } perSecond && TimeSpan.FromSeconds((read - startCursor) / perSecond) - clock.Elapsed is { Ticks: > 0 } wait)
                        await Task.Delay(wait, cancellationToken);
                    // At most a byte budget of bodies: a batch of big letters ends early, and the next one starts where it ended.
                    var batch = await store.ReadJobLettersAsync(job.Id, read, Math.Min(read + batchSize, job.Total), LetterBudget.BytesPerRead, cancellationToken);
                    var (letters, until) = (batch.Letters, batch.Until);
                    var dead = letters.Where(l => l.Letter.State == LetterState.Dead).Select(l => l.Letter).ToList();
                    var now = DateTimeOffset.UtcNow;
                    var published = dead.Count > 0 ? PublishAsync(mover, dead, now, cancellationToken) : Task.CompletedTask;
                    inFlight.Enqueue(new Batch(until, dead, letters.Count - dead.Count, now, published));
                    read = until;
                }
                if (!inFlight.TryDequeue(out var confirmed))
                    return job;
                await confirmed.Published;
                // Confirmed: marked and the cursor moved even if the operator interrupts now, so this batch never goes twice.
                reserved = Math.Min(job.Total, confirmed.Until + window);
                job = await store.AdvanceReplayJobAsync(job.Id, runner, confirmed.Until, confirmed.Letters.ConvertAll(l => l.LetterId),
                    confirmed.Skipped, reserved, new LetterMark(confirmed.At, replayedBy), CancellationToken.None);
                foreach (var letter in confirmed.Letters)
                    await events.PublishAsync(ReplayEvents.For(job.Id, letter, replayedBy, confirmed.At), CancellationToken.None);
                if (clock.Elapsed - lastProgress > TimeSpan.FromSeconds(1))
                {
                    lastProgress = clock.Elapsed;
                    progress?.Report(new ReplayProgress(job.Id, job.Replayed, job.Total, job.Skipped));
                }
            }
        }
        finally
        {
            // A batch still in flight when an earlier one failed: its outcome no longer matters (it is not marked).
            foreach (var left in inFlight)
                await left.Published.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task PublishAsync(MessageMover mover, List<DeadLetter> letters, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(context.Broker.PublishTimeoutValue);
        await Task.WhenAll(letters.Select(letter =>
        {
            var headers = ContentReader.Headers(letter.LoadedContent);
            var state = FatePlanner.Replayed(HeaderCodec.ReadState(headers), letter.Failure.Class, replayedBy, Tool, now);
            return mover.ReplayAsync(ReplayMessage.From(letter, headers), state, new ReplayStamp(now, replayedBy), timeout.Token);
        }));
    }

    /// <summary>The letters of one batch (positions up to <see cref="Until"/>) and the confirms of their publishing.</summary>
    private sealed record Batch(long Until, List<DeadLetter> Letters, int Skipped, DateTimeOffset At, Task Published);
}
