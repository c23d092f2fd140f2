using EmailWorker.DeadLetters.Store;
using EmailWorker.Delivery.Suppression;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace EmailWorker.Dashboard;

/// <summary>
/// Adding and removing suppression entries, for operators only (with the CSRF token, like every action), checked with the
/// rules of <c>suppress add</c>. The entry's author is the logged-in user; each change is audited as <c>suppress-add</c> or
/// <c>suppress-remove</c> with the entry and whether it changed anything (count 1 or 0).
/// </summary>
internal static class SuppressionActions
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/actions/suppressions").RequireAuthorization(DashboardRoles.Operator).AddEndpointFilter(Antiforgery.Filter);
        group.MapPost("/add", AddAsync);
        group.MapPost("/remove", RemoveAsync);
    }

    private static async Task<IResult> AddAsync(HttpContext http, IDeadLetterStore store, ActionAudit audit, TimeProvider time)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        if (store is not ISuppressionStore list)
            return Refused(http, "This store keeps no suppression list.");
        var key = SuppressionRules.Key(form["address"], out var problem);
        var reason = key is null ? null : SuppressionRules.Reason(form["reason"], out problem);
        var scope = reason is null ? null : SuppressionRules.Scope(form["stream"], out problem);
        var actor = scope is null ? null : SuppressionRules.Actor(http.User.Identity?.Name ?? "?", "the user name", out problem);
        if (actor is null)
            return Refused(http, problem!);
        // Not the request's token: once begun, the change and its audit entry are written even if the browser goes away.
        var added = await list.AddSuppressionsAsync([new SuppressionEntry(key!, scope!, reason!, null, time.GetUtcNow(), actor)], CancellationToken.None);
        await audit.RecordAsync(http, "suppress-add", $"{key} ({reason}, scope {scope})", added, null);
        return Done(http, added > 0 ? $"Added {key} ({reason}, scope {scope})." : $"{key} is on the list already (scope {scope}): left as it was.");
    }

    private static async Task<IResult> RemoveAsync(HttpContext http, IDeadLetterStore store, ActionAudit audit)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        if (store is not ISuppressionStore list)
            return Refused(http, "This store keeps no suppression list.");
        var key = SuppressionRules.Key(form["address"], out var problem);
        var scope = key is null ? null : SuppressionRules.Scope(form["scope"], out problem);
        if (scope is null)
            return Refused(http, problem!);
        var removed = await list.RemoveSuppressionAsync(key!, scope, CancellationToken.None);
        await audit.RecordAsync(http, "suppress-remove", $"{key} (scope {scope})", removed ? 1 : 0, null);
        return Done(http, removed ? $"Removed {key} (scope {scope})." : $"{key} was not on the list (scope {scope}).");
    }

    private static IResult Done(HttpContext http, string text) => Page.Render(http, "Suppression list changed", Html.Of($"""
        <p class="notice">{text}</p><p><a href="/suppressions">Back to the suppression list</a> · <a href="/audit">Audit log</a></p>
        """));

    private static IResult Refused(HttpContext http, string problem) =>
        Page.Render(http, "Cannot do that", Page.Notice(problem, "error"), status: StatusCodes.Status400BadRequest);
}
