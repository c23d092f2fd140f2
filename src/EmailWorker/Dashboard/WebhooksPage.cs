using EmailWorker.Broker;
using EmailWorker.Configuration;
using EmailWorker.DeadLetters.Store;
using EmailWorker.Webhooks;
using Microsoft.AspNetCore.Http;

namespace EmailWorker.Dashboard;

/// <summary>
/// The webhook endpoints (state, outbox counts — never a secret, the URL without its query) and the latest failed webhooks;
/// an operator replays an endpoint's failures or one webhook from here (<see cref="WebhookActions"/>).
/// </summary>
internal static class WebhooksPage
{
    private const int FailuresShown = 100;

    public static async Task<IResult> RenderAsync(HttpContext http, IDeadLetterStore store, OperatorContext context)
    {
        var problems = new List<string>();
        var options = ValidatedOptions.Bind<WebhookOptions, WebhookOptionsValidator>(context.Configuration, WebhookOptions.Section, problems);
        if (problems.Count > 0)
            return Page.Render(http, "Webhooks", Page.Notice($"Invalid configuration: {string.Join("; ", problems)}", "error"));
        if (store is not IWebhookStore outbox)
            return Page.Render(http, "Webhooks", Page.Notice("This store keeps no webhook outbox.", "error"));
        var counts = (await outbox.CountOutboxAsync(http.RequestAborted)).ToDictionary(c => c.Endpoint, StringComparer.Ordinal);
        var disabled = (await outbox.DisabledEndpointsAsync(http.RequestAborted)).ToDictionary(d => d.Endpoint, StringComparer.Ordinal);
        var failures = await outbox.ListOutboxAsync(OutboxState.Failed, null, null, FailuresShown, http.RequestAborted);
        var isOperator = Page.IsOperator(http);
        var endpoints = Html.Join(options.Endpoints.Select(e =>
        {
            var count = counts.GetValueOrDefault(e.Name);
            var gone = disabled.TryGetValue(e.Name, out var d) && d.Url == new Uri(e.Url).AbsoluteUri ? d : null;
            var state = gone is null ? Html.Of($"enabled") : Html.Of($"<span class=\"error\">disabled (410 at {Page.Time(gone.DisabledAt)})</span>");
            var replay = Html.When(isOperator && (count?.Failed > 0 || gone is not null), ReplayForm(http, "endpoint", e.Name, $"Replay {e.Name}'s failures"));
            return Html.Of($"<tr><td>{e.Name}</td><td>{state}</td><td class=\"num\">{count?.Pending ?? 0}</td><td class=\"num\">{count?.Delivered ?? 0}</td><td class=\"num\">{count?.Failed ?? 0}</td><td>{string.Join(", ", e.EventTypes)}</td><td>{ShownUrl(e.Url)}</td><td>{replay}</td></tr>");
        }));
        var failed = Html.Join(failures.Select(f => Html.Of(
            $"<tr><td class=\"num\">{f.Id}</td><td>{f.Endpoint}</td><td><code>{f.WebhookId}</code></td><td>{f.EventType}</td><td>{f.MessageId}</td><td class=\"num\">{f.Attempts}</td><td>{f.LastError ?? f.LastStatus?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}</td><td>{Page.Time(f.UpdatedAt)}</td><td>{Html.When(isOperator, ReplayForm(http, "id", f.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), "Replay"))}</td></tr>")));
        return Page.Render(http, "Webhooks", Html.Of($"""
            <p>Signed HTTP notifications of the status events, sent from the store's outbox (see docs/webhooks.md). A 410 from an endpoint disables it
            until its failures are replayed or its URL changes.</p>
            <table><tr><th>Endpoint</th><th>State</th><th>Pending</th><th>Delivered</th><th>Failed</th><th>Events</th><th>URL</th><th></th></tr>{endpoints}</table>
            <h2>Failed webhooks</h2>
            <p>The newest {FailuresShown}. A replay sends them again with the same webhook id, its schedule started over.</p>
            <table><tr><th>Id</th><th>Endpoint</th><th>Webhook id</th><th>Event</th><th>Message</th><th>Attempts</th><th>Last reply</th><th>Failed at</th><th></th></tr>{failed}</table>
            """));
    }

    private static Html ReplayForm(HttpContext http, string field, string value, string label) => Html.Of($"""
        <form method="post" action="/actions/webhooks/replay" class="inline">{Page.Csrf(http)}<input type="hidden" name="{field}" value="{value}"><button type="submit" class="action">{label}</button></form>
        """);

    /// <summary>Without the query: it may carry a token.</summary>
    private static string ShownUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Path) + (uri.Query.Length > 0 ? "?…" : "") : url;
}
