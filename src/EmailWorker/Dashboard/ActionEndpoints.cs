using System.Globalization;
using EmailWorker.DeadLetters.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace EmailWorker.Dashboard;

/// <summary>
/// Replay and purge, for operators only: a post to <c>/actions/preview</c> shows the dry run (how many dead letters the
/// selection holds now, and a sample) with the confirmation form; only its post acts. A replay is a store job run by
/// <see cref="ReplayJobLauncher"/> at the rate asked; a purge marks the letters purged. Every action is audited.
/// </summary>
internal static class ActionEndpoints
{
    private const double MaxRate = 10_000;

    public static void Map(IEndpointRouteBuilder app)
    {
        var actions = app.MapGroup("/actions").RequireAuthorization(DashboardRoles.Operator).AddEndpointFilter(Antiforgery.Filter);
        actions.MapPost("/preview", PreviewAsync);
        actions.MapPost("/replay", ReplayAsync);
        actions.MapPost("/purge", PurgeAsync);
    }

    private static async Task<IResult> PreviewAsync(HttpContext http, IDeadLetterStore store)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var action = form["action"].ToString();
        if (action is not ("replay" or "purge"))
            return Refused(http, "Choose replay or purge.");
        var (read, problem) = LetterForm.ReadAction(form);
        if (read is null)
            return Refused(http, problem!);
        // The dry run fixes the set: its confirmation carries the newest letter now, so it acts on what is shown here.
        var selection = await read.AsOfNowAsync(store, http.RequestAborted);
        var (count, sample) = await selection.CountAsync(store, http.RequestAborted);
        var confirm = count == 0 ? Page.Notice("Nothing to do: no dead letter matches.") : Html.Of($"""
            <form method="post" action="/actions/{action}">{Page.Csrf(http)}{selection.HiddenFields()}
            {Html.When(action == "replay", Html.Of($"<p><label>Pace: at most <input name=\"rate\" type=\"number\" min=\"0.1\" max=\"{MaxRate}\" step=\"any\" value=\"50\" required> letters per second</label></p>"))}
            <p><button type="submit" class="{(action == "replay" ? "action" : "danger")}">Confirm: {action} {count} dead letter(s)</button> <a href="/letters">Cancel</a></p></form>
            """);
        return Page.Render(http, $"Dry run: {action}", Html.Of($"""
            <p class="dryrun">{count} dead letter(s) selected now ({selection.Describe()}). Nothing has changed yet.</p>
            {Html.When(action == "replay", Html.Of($"<p>They go back to the work queue through a replay job: the selection is fixed when it starts, each letter is marked replayed once the broker confirmed it.</p>"))}
            {Html.When(action == "purge", Html.Of($"<p>Purged letters are never replayed; they stay in the store as history until the retention removes them.</p>"))}
            <table><tr><th>Sample</th><th>Class</th><th>Reason</th></tr>
            {Html.Join(sample.Select(l => Html.Of($"<tr><td><a href=\"/letters/{l.LetterId}\">{l.MessageId}</a></td><td>{l.Class}</td><td>{l.Reason}</td></tr>")))}</table>
            {confirm}
            """));
    }

    private static async Task<IResult> ReplayAsync(HttpContext http, IDeadLetterStore store, ReplayJobLauncher launcher, ActionAudit audit)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var (selection, problem) = LetterForm.ReadAction(form, confirmed: true);
        if (selection is null)
            return Refused(http, problem!);
        if (!double.TryParse(form["rate"], NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) || !double.IsFinite(rate) || rate is <= 0 or > MaxRate)
            return Refused(http, $"The pace must be a number of letters per second above 0 and at most {MaxRate}.");
        var by = http.User.Identity!.Name!;
        var created = new LetterMark(DateTimeOffset.UtcNow, by);
        var description = $"dashboard: {selection.Describe()}";
        ReplayJob job;
        try
        {
            job = selection.Selection.Ids.Count > 0
                ? await store.CreateReplayJobAsync(selection.Selection.Ids, description, created, http.RequestAborted)
                : await store.CreateReplayJobAsync(selection.Selection, description, created, http.RequestAborted);
        }
        catch (ReplayJobBusyException busy)
        {
            return Page.Render(http, "A replay is running", Html.Of($"""
                <p class="error">Replay job <a href="/jobs/{busy.JobId}">{busy.JobId}</a> is in progress (last progress {Page.Time(busy.LastProgressAt)}):
                wait for it to end. Two jobs at once could send the same letters twice.</p>
                """), status: StatusCodes.Status409Conflict);
        }
        catch (ReplayJobInterruptedException interrupted)
        {
            return Page.Render(http, "A replay was interrupted", Html.Of($"""
                <p class="error">Replay job <a href="/jobs/{interrupted.JobId}">{interrupted.JobId}</a> was interrupted with {interrupted.Unmarked} letter(s)
                published and not marked replayed: they may be in the work queue already, and a new replay would send them again without saying so.
                Resume it with <code>emailworker dlq jobs resume {interrupted.JobId}</code> (it reports them as possible duplicates), or give it up with
                <code>emailworker dlq jobs abandon {interrupted.JobId}</code> and replay again.</p>
                """), status: StatusCodes.Status409Conflict);
        }
        await audit.RecordAsync(http, "replay", $"{selection.Describe()} at {rate.ToString(CultureInfo.InvariantCulture)}/s", job.Total, job.Id);
        launcher.Start(job, by, rate);
        return Results.Redirect($"/jobs/{job.Id}");
    }

    private static async Task<IResult> PurgeAsync(HttpContext http, IDeadLetterStore store, ActionAudit audit)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var (selection, problem) = LetterForm.ReadAction(form, confirmed: true);
        if (selection is null)
            return Refused(http, problem!);
        var mark = new LetterMark(DateTimeOffset.UtcNow, http.User.Identity!.Name!);
        // Not the request's token: once begun, a purge finishes its transactions even if the browser goes away.
        var purged = selection.Selection.Ids.Count > 0
            ? await store.MarkPurgedAsync(selection.Selection.Ids, mark, CancellationToken.None)
            : await store.PurgeAsync(selection.Selection, mark, CancellationToken.None);
        await audit.RecordAsync(http, "purge", selection.Describe(), purged, null);
        return Page.Render(http, "Purged", Html.Of($"""
            <p class="notice">Purged {purged} dead letter(s) ({selection.Describe()}).</p><p><a href="/letters">Back to the letters</a> · <a href="/audit">Audit log</a></p>
            """));
    }

    private static IResult Refused(HttpContext http, string problem) =>
        Page.Render(http, "Cannot do that", Page.Notice(problem, "error"), status: StatusCodes.Status400BadRequest);
}
