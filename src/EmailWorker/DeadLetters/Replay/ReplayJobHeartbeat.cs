using System.Data.Common;
using EmailWorker.DeadLetters.Store;

namespace EmailWorker.DeadLetters.Replay;

/// <summary>
/// Renews a run's hold on its replay job every <see cref="SqlDeadLetterStore.HeartbeatInterval"/>, however long a window
/// waits for its confirms, so a live run is never taken for a killed one. When the hold is gone (another run took the
/// job after a silence) or cannot be renewed (the store fails), it stops the run: it can no longer show it holds the job.
/// </summary>
internal sealed class ReplayJobHeartbeat(IDeadLetterStore store, long jobId, string runner)
{
    /// <summary>Why the run had to stop, once it had to.</summary>
    public Exception? Lost { get; private set; }

    public async Task RunAsync(CancellationTokenSource run)
    {
        using var timer = new PeriodicTimer(SqlDeadLetterStore.HeartbeatInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(run.Token))
            {
                if (await store.RenewReplayJobAsync(jobId, runner, TimeProvider.System, run.Token))
                    continue;
                var job = await store.GetReplayJobAsync(jobId, CancellationToken.None);
                Lost = new ReplayJobBusyException(jobId, job?.UpdatedAt ?? DateTimeOffset.UtcNow);
                await run.CancelAsync();
                return;
            }
        }
        catch (OperationCanceledException) when (run.IsCancellationRequested)
        {
        }
        catch (DbException ex)
        {
            Lost = new InvalidOperationException($"replay job {jobId}: its hold could not be renewed in the store ({ex.Message})", ex);
            await run.CancelAsync();
        }
    }
}
