using EmailWorker.DeadLetters.Store;
using EmailWorker.Delivery.Suppression;
using EmailWorker.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace EmailWorker.Dashboard;

/// <summary>
/// The suppression list, 50 entries a page by keyset (<c>after</c>, <c>scope</c>: the last entry shown), searched by the
/// start of an address (<c>prefix</c>). Everyone logged in sees it; an operator also adds and removes entries here
/// (<see cref="SuppressionActions"/>).
/// </summary>
internal static class SuppressionsPage
{
    private const int PageSize = 50;

    public static async Task<IResult> RenderAsync(HttpContext http, IDeadLetterStore store)
    {
        if (store is not ISuppressionStore list)
            return Page.Render(http, "Suppression list", Page.Notice("This store keeps no suppression list.", "error"));
        var prefix = Bounded(http.Request.Query["prefix"], out var prefixProblem)?.ToLowerInvariant() ?? "";
        var after = Bounded(http.Request.Query["after"], out var afterProblem);
        var afterScope = Bounded(http.Request.Query["scope"], out var scopeProblem);
        if ((prefixProblem ?? afterProblem ?? scopeProblem) is { } problem)
            return Page.Render(http, "Suppression list", Html.Of($"{Search(prefix)}{Page.Notice(problem, "error")}"), status: StatusCodes.Status400BadRequest);
        var entries = await list.ListSuppressionsAsync(prefix, after, afterScope, PageSize + 1, http.RequestAborted);
        var isOperator = Page.IsOperator(http);
        var shown = entries.Take(PageSize).ToList();
        var next = entries.Count > PageSize
            ? Html.Of($"<a href=\"/suppressions?{Query(prefix, shown[^1])}\">Next page</a>")
            : Html.Empty;
        var first = after is null ? Html.Empty : Html.Of($"<a href=\"/suppressions?prefix={Uri.EscapeDataString(prefix)}\">First page</a> ");
        var rows = Html.Join(shown.Select(e => Html.Of(
            $"<tr><td>{e.Key}</td><td>{e.Scope}</td><td>{e.Reason}</td><td>{Page.Time(e.CreatedAt)}</td><td>{e.CreatedBy}</td><td>{e.SourceMessageId ?? "-"}</td>{Html.When(isOperator, Html.Of($"<td>{RemoveForm(http, e)}</td>"))}</tr>")));
        return Page.Render(http, "Suppression list", Html.Of($"""
            <p>Addresses and whole domains (<code>*@domain</code>) the worker does not send to: added by the worker after a hard bounce, or by an operator
            (see docs/suppression.md). A message's other recipients still get it. An entry of scope <code>global</code> holds for every message, one
            of a stream's name only for messages of that <code>stream</code>.</p>
            {Search(prefix)}{Html.When(isOperator, AddForm(http))}
            <table><tr><th>Address</th><th>Scope</th><th>Reason</th><th>Since</th><th>By</th><th>Source message</th>{Html.When(isOperator, Html.Of($"<th></th>"))}</tr>{rows}</table>
            <p>{(shown.Count == 0 ? Html.Of($"No entry{(prefix.Length > 0 ? " starts with that" : "")}. ") : Html.Empty)}{first}{next}</p>
            """));
    }

    /// <summary>A query value as the list's keys are: at most as long, printable; none is null.</summary>
    private static string? Bounded(string? text, out string? problem)
    {
        problem = null;
        if (string.IsNullOrWhiteSpace(text))
            return null;
        if (text.Length > SuppressionKey.MaxLength || text.Any(SafeText.IsUnsafe))
            problem = $"A search or a page position is at most {SuppressionKey.MaxLength} characters of printable text.";
        return problem is null ? text.Trim() : null;
    }

    private static string Query(string prefix, SuppressionEntry last) =>
        $"prefix={Uri.EscapeDataString(prefix)}&after={Uri.EscapeDataString(last.Key)}&scope={Uri.EscapeDataString(last.Scope)}";

    private static Html Search(string prefix) => Html.Of($"""
        <form method="get" action="/suppressions" class="filters"><label>Address starts with <input name="prefix" value="{prefix}" maxlength="{SuppressionKey.MaxLength}"></label><button type="submit">Search</button></form>
        """);

    private static Html AddForm(HttpContext http) => Html.Of($"""
        <form method="post" action="/actions/suppressions/add" class="filters">{Page.Csrf(http)}<label>Add <input name="address" placeholder="ann@example.org or *@example.org" maxlength="{SuppressionKey.MaxLength}" required></label>
        <select name="reason">{Html.Join(SuppressionReasons.All.Select(r => Html.Of($"<option value=\"{r}\"{(r == SuppressionReasons.Manual ? Html.Trusted(" selected") : Html.Empty)}>{r}</option>")))}</select>
        <label>for stream <input name="stream" placeholder="empty: global" maxlength="64"></label><button type="submit" class="action">Add</button></form>
        """);

    private static Html RemoveForm(HttpContext http, SuppressionEntry entry) => Html.Of($"""
        <form method="post" action="/actions/suppressions/remove" class="inline">{Page.Csrf(http)}<input type="hidden" name="address" value="{entry.Key}"><input type="hidden" name="scope" value="{entry.Scope}"><button type="submit" class="danger">Remove</button></form>
        """);
}
