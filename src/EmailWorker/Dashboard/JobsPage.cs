using EmailWorker.DeadLetters.Store;
using Microsoft.AspNetCore.Http;

namespace EmailWorker.Dashboard;

/// <summary>The replay jobs, newest first, and one job's progress (reloading itself every 2 s while this dashboard runs it).</summary>
internal static class JobsPage
{
    public static async Task<IResult> ListAsync(HttpContext http, IDeadLetterStore store) =>
        Page.Render(http, "Replay jobs", Table(await store.ListReplayJobsAsync(50, http.RequestAborted)));

    public static async Task<IResult> ShowAsync(HttpContext http, IDeadLetterStore store, ReplayJobLauncher launcher, long jobId)
    {
        if (await store.GetReplayJobAsync(jobId, http.RequestAborted) is not { } job)
            return Page.Render(http, "No such job", Page.Notice($"There is no replay job {jobId}.", "error"), status: StatusCodes.Status404NotFound);
        var runningHere = launcher.IsRunningHere(job.Id);
        var state = job.State.ToString().ToLowerInvariant();
        var stopped = job.State is ReplayJobState.Failed || job.State is ReplayJobState.Running or ReplayJobState.Pending && !runningHere;
        return Page.Render(http, $"Replay job {job.Id}", Html.Of($"""
            <p class="job-state">State: <strong id="job-state">{state}</strong></p>
            <p><progress max="{Math.Max(job.Total, 1)}" value="{job.Cursor}"></progress> {job.Replayed} of {job.Total} replayed, {job.Skipped} skipped (no longer dead).</p>
            <dl><dt>Selection</dt><dd>{job.Selection}</dd><dt>Started by</dt><dd>{job.CreatedBy} at {Page.Time(job.CreatedAt)}</dd>
            <dt>Last progress</dt><dd>{Page.Time(job.UpdatedAt)}</dd></dl>
            {Html.When(stopped, Page.Notice($"This job is not running here. Resume it after its last marked letter with: emailworker dlq jobs resume {job.Id}", "error"))}
            """), refreshSeconds: runningHere ? 2 : null);
    }

    public static Html Table(IReadOnlyList<ReplayJob> jobs) => Html.Of($"""
        <table><tr><th>Job</th><th>State</th><th>Replayed</th><th>Skipped</th><th>Total</th><th>Created</th><th>By</th><th>Selection</th></tr>
        {Html.Join(jobs.Select(j => Html.Of($"<tr><td><a href=\"/jobs/{j.Id}\">{j.Id}</a></td><td>{j.State.ToString().ToLowerInvariant()}</td><td class=\"num\">{j.Replayed}</td><td class=\"num\">{j.Skipped}</td><td class=\"num\">{j.Total}</td><td>{Page.Time(j.CreatedAt)}</td><td>{j.CreatedBy}</td><td>{j.Selection}</td></tr>")))}</table>
        """);
}
