namespace EmailWorker.Dashboard;

/// <summary>Section <c>Dashboard</c>: where <c>emailworker dashboard</c> listens, who may log in, and which worker it watches.</summary>
internal sealed class DashboardOptions
{
    public const string Section = "Dashboard";

    /// <summary>
    /// Where the dashboard listens: one or more <c>http://host:port</c> separated by <c>;</c>. Loopback by default: the
    /// dashboard acts on dead letters, so reaching it from the network is a choice (behind a TLS proxy), never a default.
    /// </summary>
    public string Urls { get; set; } = "http://127.0.0.1:9470";

    /// <summary>A running worker's <c>/metrics</c> for rates and the breaker; empty: the first of <c>Observability:Urls</c>.</summary>
    public string MetricsUrl { get; set; } = "";

    /// <summary>
    /// The TLS reverse proxies in front, <c>;</c>-separated addresses or networks (<c>10.0.0.5;10.1.0.0/16</c>): only a
    /// request from one of them has its <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> believed (the client's address
    /// for the log-in throttle, https for the <c>Secure</c> cookie). Empty: no proxy, the headers are ignored.
    /// </summary>
    public string KnownProxies { get; set; } = "";

    /// <summary>Who may log in, by user name: a role and a password hash each (<c>emailworker dashboard hash-password</c>).</summary>
    public Dictionary<string, DashboardUser> Users { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyList<string> ProxyList => KnownProxies.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public IReadOnlyList<string> UrlList => Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>One dashboard user: <see cref="Role"/> is <c>viewer</c> (reads) or <c>operator</c> (also replays and purges).</summary>
internal sealed class DashboardUser
{
    public string Role { get; set; } = "";

    /// <summary>ASP.NET Core Identity's PBKDF2 hash (base64), never the password itself.</summary>
    public string PasswordHash { get; set; } = "";
}
