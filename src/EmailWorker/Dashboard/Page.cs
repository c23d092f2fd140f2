using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;


namespace EmailWorker.Dashboard;

/// <summary>The frame of every page (navigation, who is logged in, the log-out form) and the helpers pages share.</summary>
internal static class Page
{
    private static readonly (string Path, string Label)[] Navigation =
        [("/", "Overview"), ("/groups", "Groups"), ("/letters", "Letters"), ("/jobs", "Replay jobs"), ("/webhooks", "Webhooks"), ("/suppressions", "Suppression list"), ("/scheduled", "Scheduled"), ("/audit", "Audit log")];

    /// <summary>A whole page; <paramref name="refreshSeconds"/> reloads it (job progress) without any script.</summary>
    public static IResult Render(HttpContext http, string title, Html body, int? refreshSeconds = null, int status = StatusCodes.Status200OK)
    {
        var user = http.User.Identity?.IsAuthenticated == true ? http.User : null;
        var nav = user is null ? Html.Empty : Html.Of($"""
            <nav>{Html.Join(Navigation.Select(n => Html.Of($"<a href=\"{n.Path}\">{n.Label}</a>")))}
            <span class="who">{user.Identity!.Name} ({Role(http)})</span>
            <form method="post" action="/logout" class="inline">{Csrf(http)}<button type="submit">Log out</button></form></nav>
            """);
        var refresh = refreshSeconds is { } seconds ? Html.Of($"<meta http-equiv=\"refresh\" content=\"{seconds}\">") : Html.Empty;
        var page = Html.Of($"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>{title} · EmailWorker</title>
            <link rel="stylesheet" href="/dashboard.css">{refresh}</head>
            <body><header><strong>EmailWorker</strong> dead letters</header>{nav}<main><h1>{title}</h1>{body}</main></body></html>
            """);
        return Results.Content(page.Text, "text/html; charset=utf-8", statusCode: status);
    }

    /// <summary>The hidden antiforgery field every form that posts carries; a post without it is refused with 400.</summary>
    public static Html Csrf(HttpContext http)
    {
        var tokens = http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(http);
        return Html.Of($"<input type=\"hidden\" name=\"{tokens.FormFieldName}\" value=\"{tokens.RequestToken}\">");
    }

    public static string Role(HttpContext http) => http.User.FindFirstValue(ClaimTypes.Role) ?? "";

    public static bool IsOperator(HttpContext http) => http.User.IsInRole(DashboardRoles.Operator);

    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);

    public static Html Notice(string text, string kind = "notice") => Html.Of($"<p class=\"{kind}\">{text}</p>");
}
