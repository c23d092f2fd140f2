using Microsoft.AspNetCore.Http;


namespace EmailWorker.Dashboard;

/// <summary>
/// The "Replay…" and "Purge…" buttons of a selection: a form to the dry run, never the action itself. Only rendered for
/// operators; the server refuses the posts of anyone else anyway.
/// </summary>
internal static class ActionButtons
{
    public static Html For(HttpContext http, Html selectionFields, string what) => Html.Of($"""
        <form method="post" action="/actions/preview" class="inline">{Page.Csrf(http)}{selectionFields}
        <button type="submit" name="action" value="replay" class="action">Replay {what}…</button>
        <button type="submit" name="action" value="purge" class="danger">Purge {what}…</button></form>
        """);
}
