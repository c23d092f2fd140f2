using System.Security.Claims;
using EmailWorker.Diagnostics;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace EmailWorker.Dashboard;

/// <summary>Log in with a configured user's password (a cookie holds the session), log out. Both posts carry the CSRF token.</summary>
internal static class LoginEndpoints
{
    public static void Map(IEndpointRouteBuilder app, DashboardOptions options)
    {
        app.MapGet("/login", (HttpContext http, string? returnUrl) => Form(http, returnUrl, Html.Empty, StatusCodes.Status200OK)).AllowAnonymous();
        app.MapPost("/login", async (HttpContext http, LoginThrottle throttle, ILogger<DashboardOptions> logger) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            var name = form["user"].ToString();
            var password = form["password"].ToString();
            var returnUrl = form["returnUrl"].ToString();
            // The client's address: behind a trusted proxy the one it forwarded (UseForwardedHeaders), never the proxy's.
            var remoteAddress = http.Connection.RemoteIpAddress?.ToString() ?? "?";
            if (!throttle.TryAttempt(remoteAddress, SafeText.Bound(name, 64)))
            {
                Log.DashboardLoginThrottled(logger, SafeText.Bound(name, 64), remoteAddress);
                return Form(http, returnUrl, Page.Notice("Too many log-in attempts; wait a minute.", "error"), StatusCodes.Status429TooManyRequests);
            }
            var user = name.Length is > 0 and <= 64 && options.Users.TryGetValue(name, out var found) ? found : null;
            if (!PasswordHashes.Verify(user, password))
            {
                Log.DashboardLoginRefused(logger, SafeText.Bound(name, 64), remoteAddress);
                return Form(http, returnUrl, Page.Notice("Unknown user or wrong password.", "error"), StatusCodes.Status401Unauthorized);
            }
            // The configured spelling of the name, whatever case was typed.
            var userName = options.Users.Keys.First(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase));
            var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, userName), new Claim(ClaimTypes.Role, user!.Role)],
                CookieAuthenticationDefaults.AuthenticationScheme);
            await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
            Log.DashboardLogin(logger, userName, user.Role);
            // Only a path of this site, by ASP.NET Core's own rule (it also refuses control characters such as a tab, which
            // browsers strip, so "/\t/evil.example" would become "//evil.example"): else the log-in page is an open redirect.
            return RedirectHttpResult.IsLocalUrl(returnUrl) ? Results.LocalRedirect(returnUrl) : Results.Redirect("/");
        }).AllowAnonymous().AddEndpointFilter(Antiforgery.Filter);
        app.MapPost("/logout", async (HttpContext http) =>
        {
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.Redirect("/login");
        }).AddEndpointFilter(Antiforgery.Filter);
    }

    private static IResult Form(HttpContext http, string? returnUrl, Html notice, int status) =>
        Page.Render(http, "Log in", Html.Of($"""
            {notice}
            <form method="post" action="/login">{Page.Csrf(http)}
            <input type="hidden" name="returnUrl" value="{returnUrl ?? "/"}">
            <p><label>User <input name="user" autocomplete="username" required></label></p>
            <p><label>Password <input name="password" type="password" autocomplete="current-password" required></label></p>
            <p><button type="submit" class="action">Log in</button></p></form>
            """), status: status);
}
