using System.Globalization;
using EmailWorker.Broker;
using EmailWorker.Configuration;
using EmailWorker.DeadLetters.Store;
using EmailWorker.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace EmailWorker.Dashboard;

/// <summary>
/// Replaying failed webhooks, for operators only (with the CSRF token, like every action): one webhook by id, or every
/// failed one of an endpoint, which also enables the endpoint again. Audited as <c>webhook-replay</c>.
/// </summary>
internal static class WebhookActions
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGroup("/actions/webhooks").RequireAuthorization(DashboardRoles.Operator).AddEndpointFilter(Antiforgery.Filter)
            .MapPost("/replay", ReplayAsync);

    private static async Task<IResult> ReplayAsync(HttpContext http, IDeadLetterStore store, OperatorContext context, ActionAudit audit)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        if (store is not IWebhookStore outbox)
            return Refused(http, "This store keeps no webhook outbox.");
        var endpoint = form["endpoint"].ToString();
        var hasId = long.TryParse(form["id"], NumberStyles.None, CultureInfo.InvariantCulture, out var id);
        if (endpoint.Length > 0 == hasId)
            return Refused(http, "Name one endpoint or one webhook id.");
        var problems = new List<string>();
        var options = ValidatedOptions.Bind<WebhookOptions, WebhookOptionsValidator>(context.Configuration, WebhookOptions.Section, problems);
        if (endpoint.Length > 0 && !options.Endpoints.Any(e => e.Name == endpoint))
            return Refused(http, "No endpoint of that name is configured.");
        // Not the request's token: once begun, the replay's transaction finishes even if the browser goes away.
        var replayed = await outbox.ReplayWebhooksAsync(hasId ? [id] : null, hasId ? null : endpoint, DateTimeOffset.UtcNow, CancellationToken.None);
        var selection = hasId ? $"webhook {id}" : $"endpoint {endpoint}";
        await audit.RecordAsync(http, "webhook-replay", selection, replayed, null);
        return Page.Render(http, "Webhooks replayed", Html.Of($"""
            <p class="notice">Replayed {replayed} failed webhook(s) ({selection}){(hasId ? "" : "; the endpoint is enabled")}.</p><p><a href="/webhooks">Back to the webhooks</a> · <a href="/audit">Audit log</a></p>
            """));
    }

    private static IResult Refused(HttpContext http, string problem) =>
        Page.Render(http, "Cannot do that", Page.Notice(problem, "error"), status: StatusCodes.Status400BadRequest);
}
