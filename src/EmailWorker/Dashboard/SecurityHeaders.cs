using Microsoft.AspNetCore.Http;


namespace EmailWorker.Dashboard;

/// <summary>
/// The headers of every response. The dashboard runs no script at all, so its CSP allows none; it may frame only itself
/// (the letter body) and be framed by nobody. Pages hold personal data: never cached, never sent on as a referrer.
/// </summary>
internal static class SecurityHeaders
{
    private const string PageCsp =
        "default-src 'none'; style-src 'self'; img-src 'self'; frame-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    /// <summary>
    /// A letter's HTML body: a sandbox without <c>allow-scripts</c> (even if opened outside its frame), no script, no
    /// fetch, no form; inline styles and inline images only, so viewing it contacts no tracker. Framed by the dashboard only.
    /// </summary>
    private const string BodyCsp = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'";

    public static Task Apply(HttpContext http, Func<Task> next)
    {
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = PageCsp;
        headers.XFrameOptions = "DENY";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        // Exactly what antiforgery sets on pages with a form (it warns when it has to change it).
        headers.CacheControl = "no-cache, no-store";
        headers.Pragma = "no-cache";
        return next();
    }

    public static void ForLetterBody(HttpResponse response)
    {
        response.Headers.ContentSecurityPolicy = BodyCsp;
        response.Headers.XFrameOptions = "SAMEORIGIN";
    }
}
