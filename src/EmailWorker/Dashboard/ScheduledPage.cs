using System.Globalization;
using EmailWorker.Contracts;
using EmailWorker.DeadLetters.Store;
using EmailWorker.Scheduling;
using Microsoft.AspNetCore.Http;

namespace EmailWorker.Dashboard;

/// <summary>
/// The messages held until their <c>sendAt</c>, earliest first, 50 a page by keyset (<c>at</c>, <c>after</c>: the last
/// one shown); <c>all=1</c> also shows the cancelled and released ones still kept. Everyone logged in sees it; an
/// operator also cancels a held one here (<see cref="ScheduledActions"/>).
/// </summary>
internal static class ScheduledPage
{
    private const int PageSize = 50;

    public static async Task<IResult> RenderAsync(HttpContext http, IDeadLetterStore store)
    {
        if (store is not IScheduledStore scheduled)
            return Page.Render(http, "Scheduled", Page.Notice("This store keeps no scheduled messages.", "error"));
        var all = http.Request.Query["all"] == "1";
        var after = Cursor(http.Request.Query["at"], http.Request.Query["after"], out var problem);
        if (problem is not null)
            return Page.Render(http, "Scheduled", Page.Notice(problem, "error"), status: StatusCodes.Status400BadRequest);
        var entries = await scheduled.ListScheduledAsync(all ? null : ScheduledState.Held, after, PageSize + 1, http.RequestAborted);
        var isOperator = Page.IsOperator(http);
        var shown = entries.Take(PageSize).ToList();
        var allQuery = all ? "all=1&" : "";
        var next = entries.Count > PageSize
            ? Html.Of($"<a href=\"/scheduled?{allQuery}at={shown[^1].SendAt.ToUnixTimeMilliseconds()}&after={Uri.EscapeDataString(shown[^1].MessageId)}\">Next page</a>")
            : Html.Empty;
        var first = after is null ? Html.Empty : Html.Of($"<a href=\"/scheduled?{allQuery}\">First page</a> ");
        var toggle = all ? Html.Of($"<a href=\"/scheduled\">Held only</a>") : Html.Of($"<a href=\"/scheduled?all=1\">With cancelled and released</a>");
        var rows = Html.Join(shown.Select(e => Html.Of(
            $"<tr><td>{e.MessageId}</td><td>{Page.Time(e.SendAt)}</td><td>{e.State.ToString().ToLowerInvariant()}</td><td>{Page.Time(e.HeldAt)}</td><td>{e.BodyBytes}</td><td>{e.ChangedBy ?? "-"}</td>{Html.When(isOperator, Html.Of($"<td>{CancelForm(http, e)}</td>"))}</tr>")));
        return Page.Render(http, "Scheduled", Html.Of($"""
            <p>Messages with a <code>sendAt</code> ahead, held in the store until then and never sent before it (see docs/scheduled-send.md). A
            cancelled message is never sent; its content is dropped at once. Times are UTC.</p>
            <p>{toggle}</p>
            <table><tr><th>Message</th><th>Send at</th><th>State</th><th>Held at</th><th>Bytes</th><th>Changed by</th>{Html.When(isOperator, Html.Of($"<th></th>"))}</tr>{rows}</table>
            <p>{(shown.Count == 0 ? Html.Of($"No scheduled message. ") : Html.Empty)}{first}{next}</p>
            """));
    }

    /// <summary>The page position from the query: both or neither of a time (Unix ms) and a message id.</summary>
    private static (DateTimeOffset, string)? Cursor(string? at, string? after, out string? problem)
    {
        problem = null;
        if (string.IsNullOrEmpty(at) && string.IsNullOrEmpty(after))
            return null;
        if (!long.TryParse(at, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) || ms > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds()
            || !SendEmailValidator.IsValidMessageId(after))
        {
            problem = "The page position is not one this page wrote: start from the first page.";
            return null;
        }
        return (DateTimeOffset.FromUnixTimeMilliseconds(ms), after!);
    }

    private static Html CancelForm(HttpContext http, ScheduledEntry entry) => entry.State != ScheduledState.Held ? Html.Empty : Html.Of($"""
        <form method="post" action="/actions/scheduled/cancel" class="inline">{Page.Csrf(http)}<input type="hidden" name="messageId" value="{entry.MessageId}"><button type="submit" class="danger">Cancel</button></form>
        """);
}
