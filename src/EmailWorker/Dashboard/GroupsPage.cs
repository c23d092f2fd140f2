using EmailWorker.DeadLetters.Store;
using Microsoft.AspNetCore.Http;

namespace EmailWorker.Dashboard;

/// <summary>The dead letters grouped by fingerprint (class, codes, masked reply): count, first and last seen, a sample reason.</summary>
internal static class GroupsPage
{
    private const int Limit = 200;

    public static async Task<IResult> RenderAsync(HttpContext http, IDeadLetterStore store)
    {
        var groups = await store.GroupsAsync(new LetterSelection(), Limit, http.RequestAborted);
        var operatorView = Page.IsOperator(http);
        return Page.Render(http, "Groups", Html.Of($"""
            <p>Dead letters that failed alike, largest first (at most {Limit} groups).</p>
            <table><tr><th>Group</th><th>Class</th><th>SMTP</th><th>Letters</th><th>First seen</th><th>Last seen</th><th>Sample reason</th>{Html.When(operatorView, Html.Of($"<th>Act on the group</th>"))}</tr>
            {Html.Join(groups.Select(g => Row(http, g, operatorView)))}</table>
            """));
    }

    private static Html Row(HttpContext http, LetterGroup group, bool operatorView) => Html.Of($"""
        <tr><td><a href="/letters?group={Uri.EscapeDataString(group.Key)}">{group.Label}</a></td><td>{group.Class}</td>
        <td>{group.SmtpCode} {group.EnhancedCode}</td><td class="num">{group.Count}</td><td>{Page.Time(group.FirstSeen)}</td>
        <td>{Page.Time(group.LastSeen)}</td><td>{group.SampleReason}</td>{Html.When(operatorView, Html.Of($"<td>{ActionButtons.For(http, Html.Of($"<input type=\"hidden\" name=\"group\" value=\"{group.Key}\">"), "group")}</td>"))}</tr>
        """);
}
