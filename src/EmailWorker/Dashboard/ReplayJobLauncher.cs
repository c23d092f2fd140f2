using System.Collections.Concurrent;
using EmailWorker.DeadLetters.Replay;
using EmailWorker.DeadLetters.Store;
using EmailWorker.Diagnostics;
using EmailWorker.Broker;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EmailWorker.Dashboard;

/// <summary>
/// Runs the replay jobs started from the dashboard in the background, through the same <see cref="ReplayJobRunner"/> (and
/// so the one mover, with confirms and marks) as <c>dlq replay</c>. The store lets one job run at a time. Stopping the
/// dashboard interrupts a job where its last confirmed window ended: <c>dlq jobs resume</c> or the job page goes on. Each job's
/// publishers (the mover, the status-event publisher) come from the dashboard's services, on the job's own connection.
/// </summary>
internal sealed class ReplayJobLauncher(IDeadLetterStore store, OperatorContext operatorContext, Func<OperatorContext, Task<OperatorPublishing>> startPublishing,
    ILogger<ReplayJobLauncher> logger, IHostApplicationLifetime lifetime) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<long, Task> _running = new();

    /// <summary>True while this process runs the job (the store cannot tell a running job from a killed one).</summary>
    public bool IsRunningHere(long jobId) => _running.ContainsKey(jobId);

    public void Start(ReplayJob job, string replayedBy, double rate) =>
        _running[job.Id] = Task.Run(() => RunAsync(job, replayedBy, rate));

    private async Task RunAsync(ReplayJob job, string replayedBy, double rate)
    {
        var stopping = lifetime.ApplicationStopping;
        try
        {
            // A broker connection per job, on the dashboard's options: the job owns its connection and closes it at the end.
            await using var context = operatorContext.WithOwnConnection();
            await using var publishing = await startPublishing(context);
            // No progress reports: the job page reads the job's counts from the store.
            var ended = await new ReplayJobRunner(context, store, publishing.Mover, publishing.Events, replayedBy).RunAsync(job, rate, stopping);
            Log.DashboardJobEnded(logger, ended.Id, ended.State.ToString().ToLowerInvariant(), ended.Replayed, ended.Total, ended.Skipped);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Interrupted by the dashboard's shutdown: resumable from its cursor.
        }
        catch (Exception ex)
        {
            Log.DashboardJobFailed(logger, job.Id, SafeText.Bound(ex.Message, 300));
            // The runner marks a job failed once it runs; one that failed before (no broker connection) is marked here.
            if (await store.GetReplayJobAsync(job.Id, CancellationToken.None) is { State: ReplayJobState.Pending })
                await store.SetReplayJobStateAsync(job.Id, ReplayJobState.Failed, DateTimeOffset.UtcNow, CancellationToken.None);
        }
        finally
        {
            _running.TryRemove(job.Id, out _);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Shutdown cancelled them already; each ends after its current window's marks are committed.
        await Task.WhenAll(_running.Values);
    }
}
