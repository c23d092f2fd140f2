using System.Globalization;
using EmailWorker.DeadLetters.Store;
using EmailWorker.DeadLetters.Views;
using Microsoft.AspNetCore.Http;

namespace EmailWorker.Dashboard;

/// <summary>
/// The letters, a page at a time by keyset (<c>after</c>: the last sequence number shown), filtered like <c>dlq list</c>;
/// operators tick letters or take every match to the dry run of a replay or purge.
/// </summary>
internal static class LettersPage
{
    private const int PageSize = 50;

    public static async Task<IResult> RenderAsync(HttpContext http, IDeadLetterStore store)
    {
        var query = LetterForm.From(http.Request.Query);
        var after = long.TryParse(http.Request.Query["after"], NumberStyles.None, CultureInfo.InvariantCulture, out var cursor) ? cursor : (long?)null;
        if (query.Problems.Count > 0)
            return Page.Render(http, "Letters", Html.Of($"{Filters(query)}{Page.Notice(string.Join("; ", query.Problems), "error")}"), status: StatusCodes.Status400BadRequest);
        var token = http.RequestAborted;
        var count = await store.CountAsync(query.Selection, token);
        var page = await store.PageAsync(query.Selection, after, PageSize, LetterOrder.NewestFirst, token);
        var operatorView = Page.IsOperator(http);
        var next = page.Next is { } nextCursor
            ? Html.Of($"<a href=\"/letters?{query.ToQueryString(("after", nextCursor.ToString(CultureInfo.InvariantCulture)))}\">Next page</a>")
            : Html.Empty;
        var first = after is null ? Html.Empty : Html.Of($"<a href=\"/letters?{query.ToQueryString()}\">First page</a> ");
        var table = Html.Of($"""
            <table><tr>{Html.When(operatorView, Html.Of($"<th>Select</th>"))}<th>Message id</th><th>Class</th><th>SMTP</th><th>Reason</th><th>Recipients</th><th>Attempts</th><th>Last failure</th><th>State</th></tr>
            {Html.Join(page.Letters.Select(l => Row(DeadLetterView.From(l), operatorView)))}</table>
            """);
        var body = operatorView
            ? Html.Of($"""
                {(query.Selection.IsEmpty ? Html.Of($"<p>Filter the list (a class, a group, a code …) to act on every match.</p>") : ActionButtons.For(http, query.FilterFields(), $"all {count} matching"))}
                <form method="post" action="/actions/preview">{Page.Csrf(http)}{table}
                <button type="submit" name="action" value="replay" class="action">Replay selected…</button>
                <button type="submit" name="action" value="purge" class="danger">Purge selected…</button></form>
                """)
            : table;
        return Page.Render(http, "Letters", Html.Of($"""
            {Filters(query)}<p>{count} letter(s) match, newest first.</p>
            {body}<p>{first}{next}</p>
            """));
    }

    private static Html Row(DeadLetterView letter, bool operatorView) => Html.Of($"""
        <tr>{Html.When(operatorView && letter.State == "dead", Html.Of($"<td><input type=\"checkbox\" name=\"id\" value=\"{letter.LetterId}\" aria-label=\"select {letter.MessageId}\"></td>"))}{Html.When(operatorView && letter.State != "dead", Html.Of($"<td></td>"))}
        <td><a href="/letters/{letter.LetterId}">{letter.MessageId}</a></td><td>{letter.Class}</td><td>{letter.SmtpCode} {letter.EnhancedCode}</td>
        <td>{letter.Reason}</td><td>{string.Join(", ", letter.Recipients)}</td><td class="num">{letter.Attempts}</td>
        <td>{Page.Time(letter.LastFailureAt)}</td><td>{letter.State}</td></tr>
        """);

    private static Html Filters(LetterForm query)
    {
        string Value(string name) => query.Values.GetValueOrDefault(name) ?? "";
        Html Option(string name, string value, string label) =>
            Html.Of($"<option value=\"{value}\"{Html.When(Value(name) == value, Html.Trusted(" selected"))}>{label}</option>");
        return Html.Of($"""
            <form method="get" action="/letters" class="filters">
            <select name="class" aria-label="class">{Option("class", "", "any class")}{Html.Join(LetterClasses.All.Select(c => Option("class", c, c)))}</select>
            <input name="code" placeholder="550 or 5.1.1" value="{Value("code")}" aria-label="code">
            <input name="to-domain" placeholder="recipient domain" value="{Value("to-domain")}" aria-label="to-domain">
            <input name="reason" placeholder="reason contains" value="{Value("reason")}" aria-label="reason">
            <input name="group" placeholder="group key" value="{Value("group")}" aria-label="group">
            <input name="since" placeholder="since (ISO 8601)" value="{Value("since")}" aria-label="since">
            <input name="until" placeholder="until (ISO 8601)" value="{Value("until")}" aria-label="until">
            <select name="state" aria-label="state">{Option("state", "", "dead")}{Option("state", "replayed", "replayed")}{Option("state", "purged", "purged")}{Option("state", "all", "all")}</select>
            <button type="submit">Filter</button> <a href="/letters">Clear</a></form>
            """);
    }
}
