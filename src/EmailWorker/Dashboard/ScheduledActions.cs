using EmailWorker.Contracts;
using EmailWorker.DeadLetters.Store;
using EmailWorker.Scheduling;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace EmailWorker.Dashboard;

/// <summary>
/// Cancelling a held message, for operators only (with the CSRF token, like every action); audited as
/// <c>scheduled-cancel</c> with the message id and whether it was cancelled (count 1 or 0).
/// </summary>
internal static class ScheduledActions
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGroup("/actions/scheduled").RequireAuthorization(DashboardRoles.Operator).AddEndpointFilter(Antiforgery.Filter)
            .MapPost("/cancel", CancelAsync);

    private static async Task<IResult> CancelAsync(HttpContext http, IDeadLetterStore store, ActionAudit audit, TimeProvider time)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        if (store is not IScheduledStore scheduled)
            return Refused(http, "This store keeps no scheduled messages.");
        string? messageId = form["messageId"];
        if (!SendEmailValidator.IsValidMessageId(messageId))
            return Refused(http, "That is not a messageId (1-200 characters of A-Z, a-z, 0-9 and . _ : @ -).");
        // Not the request's token: once begun, the cancel and its audit entry are written even if the browser goes away.
        var outcome = await scheduled.CancelScheduledAsync(messageId!, http.User.Identity?.Name ?? "?", time.GetUtcNow(), CancellationToken.None);
        await audit.RecordAsync(http, "scheduled-cancel", messageId!, outcome == CancelOutcome.Cancelled ? 1 : 0, null);
        var text = outcome switch
        {
            CancelOutcome.Cancelled => $"Cancelled {messageId}: it will not be sent.",
            CancelOutcome.NotFound => $"No scheduled message has the messageId {messageId}.",
            CancelOutcome.AlreadyCancelled => $"{messageId} was cancelled before.",
            CancelOutcome.AlreadyReleased => $"Too late: {messageId} was released to the work queue when it was due.",
            _ => $"Too late: {messageId} is being released to the work queue at this moment.",
        };
        return Page.Render(http, "Scheduled message", Html.Of($"""
            <p class="{(outcome == CancelOutcome.Cancelled ? "notice" : "error")}">{text}</p><p><a href="/scheduled">Back to the scheduled messages</a> · <a href="/audit">Audit log</a></p>
            """), status: outcome == CancelOutcome.Cancelled ? StatusCodes.Status200OK : StatusCodes.Status409Conflict);
    }

    private static IResult Refused(HttpContext http, string problem) =>
        Page.Render(http, "Cannot do that", Page.Notice(problem, "error"), status: StatusCodes.Status400BadRequest);
}
