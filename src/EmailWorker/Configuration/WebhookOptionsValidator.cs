using System.Net;
using Microsoft.Extensions.Options;

namespace EmailWorker.Configuration;

/// <summary>
/// <c>Webhooks</c> at start-up: every endpoint named once, an https URL (or http to loopback when allowed), one or two
/// well-formed secrets, known event types. A message never shows a secret, only which one is wrong.
/// </summary>
internal sealed class WebhookOptionsValidator : IValidateOptions<WebhookOptions>
{
    public const string SecretPrefix = "whsec_";
    public const int MaxEndpoints = 100;
    private const int MaxTags = 20;

    public ValidateOptionsResult Validate(string? name, WebhookOptions options)
    {
        var errors = new OptionErrors(WebhookOptions.Section);
        if (!WebhookSchedule.TryParse(options.Schedule, out _, out var problem))
            errors.Add("Schedule", $"is '{options.Schedule}': {problem}");
        errors.Require(options.JitterPercent is >= 0 and <= 100, "JitterPercent", $"is {options.JitterPercent}: use 0 (no jitter) to 100 percent of a wait, e.g. 20");
        errors.Require(Duration.TryParse(options.Timeout, out var timeout) && timeout <= TimeSpan.FromMinutes(5), "Timeout",
            $"is '{options.Timeout}': write a duration of up to 5m with a unit, e.g. 15s");
        errors.Require(Duration.TryParse(options.MaxRetryAfter, out var retryAfter) && retryAfter <= TimeSpan.FromDays(1), "MaxRetryAfter",
            $"is '{options.MaxRetryAfter}': write a duration of up to 1d with a unit, e.g. 1h");
        errors.Require(options.Concurrency is >= 1 and <= 256, "Concurrency", $"is {options.Concurrency}: use 1 to 256 requests at once");
        errors.Require(options.Endpoints.Count <= MaxEndpoints, "Endpoints", $"has {options.Endpoints.Count} endpoints: at most {MaxEndpoints}");
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Endpoints.Count; i++)
            ValidateEndpoint(errors, $"Endpoints:{i}:", options.Endpoints[i], options.AllowLoopbackHttp, names);
        return errors.ToResult();
    }

    private static void ValidateEndpoint(OptionErrors errors, string key, WebhookEndpointOptions endpoint, bool allowLoopbackHttp, HashSet<string> names)
    {
        var nameValid = endpoint.Name.Length is >= 1 and <= 64 && endpoint.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_');
        errors.Require(nameValid, key + "Name", "is not a name: use 1 to 64 letters, digits, '.', '-' or '_', e.g. billing");
        errors.Require(!nameValid || names.Add(endpoint.Name), key + "Name", $"'{endpoint.Name}' names another endpoint too: give each its own name");
        if (UrlProblem(endpoint.Url, allowLoopbackHttp) is { } urlProblem)
            errors.Add(key + "Url", urlProblem);
        errors.Require(endpoint.Secrets.Count is 1 or 2, key + "Secrets",
            $"has {endpoint.Secrets.Count} secrets: give one, or two while rotating (both sign every request)");
        for (var s = 0; s < endpoint.Secrets.Count; s++)
        {
            errors.Require(IsSecret(endpoint.Secrets[s]), $"{key}Secrets:{s}",
                $"is not a Standard Webhooks secret: write {SecretPrefix} and the base64 of 24 to 64 random bytes (the value is not shown here)");
        }
        errors.Require(endpoint.EventTypes.Count > 0, key + "EventTypes", $"is empty: list the events it gets, of {string.Join(", ", WebhookEventTypes.All)}");
        foreach (var type in endpoint.EventTypes.Where(t => !WebhookEventTypes.All.Contains(t)))
            errors.Add(key + "EventTypes", $"has '{Bound(type)}': use {string.Join(", ", WebhookEventTypes.All)}");
        errors.Require(endpoint.Tags.Count <= MaxTags && endpoint.Tags.All(t => t.Key.Length is >= 1 and <= 100 && t.Value.Length <= 500), key + "Tags",
            $"is not a tag filter: at most {MaxTags} tags, names of 1 to 100 and values of up to 500 characters");
    }

    private static string? UrlProblem(string url, bool allowLoopbackHttp)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp) || url.Length > 2000)
            return "is not an http(s) URL: write the receiver's address, e.g. https://hooks.example.com/emailworker";
        // Credentials in the URL would show wherever the URL is shown (the commands, the dashboard).
        if (uri.UserInfo.Length > 0)
            return "holds a user name or password: the requests are signed with the endpoint's secret; leave credentials out of the URL";
        if (uri.Scheme == Uri.UriSchemeHttps)
            return null;
        if (!IsLoopback(uri))
            return "is http: use https (plain http is allowed only to a loopback address, with Webhooks:AllowLoopbackHttp)";
        return allowLoopbackHttp ? null : "is http to a loopback address: set Webhooks:AllowLoopbackHttp to true to allow it, or use https";
    }

    public static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.IdnHost, out var address) && IPAddress.IsLoopback(address));

    public static bool IsSecret(string? secret)
    {
        if (secret is null || !secret.StartsWith(SecretPrefix, StringComparison.Ordinal))
            return false;
        var buffer = new byte[64];
        return Convert.TryFromBase64String(secret[SecretPrefix.Length..], buffer, out var length) && length is >= 24 and <= 64;
    }

    private static string Bound(string text) => text.Length <= 60 && text.All(c => !char.IsControl(c)) ? text : "(a value that is not an event type)";
}
