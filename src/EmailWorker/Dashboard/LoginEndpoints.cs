using System.Security.Claims;
using EmailWorker.Diagnostics;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
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
            var remoteAddress = http.Connection.RemoteIpAddress?.ToString() ?? "?";
            if (!throttle.TryAttempt(remoteAddress, SafeText.Bound(name, 64)))
            {
                Log.DashboardLoginThrottled(logger, SafeText.Bound(name, 64), remoteAddress);
                return Form(http, returnUrl, Page.Notice("Too many log-in attempts for this user; wait a minute.", "error"), StatusCodes.Status429TooManyRequests);
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
            // Only a path of this site: an absolute URL here would make the login page an open redirect.
            return Results.Redirect(IsLocal(returnUrl) ? returnUrl : "/");
        }).AllowAnonymous().AddEndpointFilter(Antiforgery.Filter);
        app.MapPost("/logout", async (HttpContext http) =>
        {
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.Redirect("/login");
        }).AddEndpointFilter(Antiforgery.Filter);
    }

    private static bool IsLocal(string url) => url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal);

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
