using System.Globalization;
using EmailWorker.DeadLetters.Store;
using Microsoft.AspNetCore.Http;

namespace EmailWorker.Dashboard;

/// <summary>The audit log, newest first, 100 entries a page (keyset by id).</summary>
internal static class AuditPage
{
    private const int PageSize = 100;

    public static async Task<IResult> RenderAsync(HttpContext http, IDeadLetterStore store)
    {
        var before = long.TryParse(http.Request.Query["before"], NumberStyles.None, CultureInfo.InvariantCulture, out var cursor) ? cursor : (long?)null;
        var entries = await store.ListAuditAsync(before, PageSize, http.RequestAborted);
        var next = entries.Count == PageSize ? Html.Of($"<p><a href=\"/audit?before={entries[^1].Id}\">Older</a></p>") : Html.Empty;
        return Page.Render(http, "Audit log", Html.Of($"""
            <p>Every action taken in the dashboard (replays, purges, webhook replays, suppression list changes): who, when, on what, how many.</p>
            <table><tr><th>At</th><th>Who</th><th>Role</th><th>Action</th><th>Count</th><th>Selection</th><th>Job</th></tr>
            {Html.Join(entries.Select(e => Html.Of($"<tr><td>{Page.Time(e.At)}</td><td>{e.Actor}</td><td>{e.Role}</td><td>{e.Action}</td><td class=\"num\">{e.Count}</td><td>{e.Selection}</td><td>{(e.JobId is { } job ? Html.Of($"<a href=\"/jobs/{job}\">{job}</a>") : Html.Empty)}</td></tr>")))}</table>{next}
            """));
    }
}
