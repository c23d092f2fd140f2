using EmailWorker.Configuration;
using Microsoft.Extensions.Options;

namespace EmailWorker.Dashboard;

/// <summary>Checked when <c>emailworker dashboard</c> starts: listener URLs, at least one user, each with a known role and a hash.</summary>
internal sealed class DashboardOptionsValidator : IValidateOptions<DashboardOptions>
{
    public ValidateOptionsResult Validate(string? name, DashboardOptions options)
    {
        var errors = new OptionErrors(DashboardOptions.Section);
        errors.Require(options.UrlList.Count > 0, "Urls", "is empty: name where the dashboard listens, e.g. http://127.0.0.1:9470");
        foreach (var url in options.UrlList)
        {
            errors.Require(ObservabilityOptionsValidator.IsListenerUrl(url),
                "Urls", $"has '{url}': use http://host:port without a path, e.g. http://127.0.0.1:9470 (put a TLS proxy in front to reach it from the network)");
        }
        if (!string.IsNullOrEmpty(options.MetricsUrl))
        {
            errors.Require(Uri.TryCreate(options.MetricsUrl, UriKind.Absolute, out var metrics) && (metrics.Scheme == Uri.UriSchemeHttp || metrics.Scheme == Uri.UriSchemeHttps),
                "MetricsUrl", $"is '{options.MetricsUrl}': use a worker's http(s) /metrics URL, e.g. http://localhost:9464/metrics, or leave it empty");
        }
        foreach (var proxy in options.ProxyList)
        {
            errors.Require(System.Net.IPAddress.TryParse(proxy, out _) || System.Net.IPNetwork.TryParse(proxy, out _),
                "KnownProxies", $"has '{proxy}': use the proxies' IP addresses or networks, e.g. 10.0.0.5;10.1.0.0/16");
        }
        errors.Require(options.Users.Count > 0, "Users",
            "names no user: add at least one, e.g. Dashboard:Users:alice:Role = operator and Dashboard:Users:alice:PasswordHash = (the output of 'emailworker dashboard hash-password')");
        foreach (var (user, entry) in options.Users)
        {
            var key = $"Users:{user}";
            if (!IsUserName(user))
            {
                errors.Add(key, "is not a user name: use 1 to 64 letters, digits, '.', '-', '_' or '@'");
                continue;
            }
            errors.Require(DashboardRoles.IsKnown(entry.Role), $"{key}:Role", $"is '{entry.Role}': use {DashboardRoles.Viewer} or {DashboardRoles.Operator}");
            // The hash is a secret too: the message says what is wrong, never what was written.
            errors.Require(PasswordHashes.IsWellFormed(entry.PasswordHash), $"{key}:PasswordHash",
                "is not a password hash: make one with 'emailworker dashboard hash-password' (never the password itself)");
        }
        return errors.ToResult();
    }

    private static bool IsUserName(string name) =>
        name.Length is >= 1 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '@');
}
