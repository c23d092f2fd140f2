using System.Security.Claims;
using EmailWorker.Logging;
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
        app.MapGet("/login", (HttpContext http, string? returnUrl) => Form(http, returnUrl, failed: false)).AllowAnonymous();
        app.MapPost("/login", async (HttpContext http, ILogger<DashboardOptions> logger) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            var name = form["user"].ToString();
            var password = form["password"].ToString();
            var returnUrl = form["returnUrl"].ToString();
            var user = name.Length is > 0 and <= 64 && options.Users.TryGetValue(name, out var found) ? found : null;
            if (!PasswordHashes.Verify(user, password))
            {
                Log.DashboardLoginRefused(logger, SafeText.Bound(name, 64), http.Connection.RemoteIpAddress?.ToString() ?? "?");
                return Form(http, returnUrl, failed: true);
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

    private static IResult Form(HttpContext http, string? returnUrl, bool failed) =>
        Page.Render(http, "Log in", Html.Of($"""
            {Html.When(failed, Page.Notice("Unknown user or wrong password.", "error"))}
            <form method="post" action="/login">{Page.Csrf(http)}
            <input type="hidden" name="returnUrl" value="{returnUrl ?? "/"}">
            <p><label>User <input name="user" autocomplete="username" required></label></p>
            <p><label>Password <input name="password" type="password" autocomplete="current-password" required></label></p>
            <p><button type="submit" class="action">Log in</button></p></form>
            """), status: failed ? StatusCodes.Status401Unauthorized : StatusCodes.Status200OK);
}
