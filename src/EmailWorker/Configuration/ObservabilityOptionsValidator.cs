using Microsoft.Extensions.Options;
using OpenTelemetry.Exporter;


namespace EmailWorker.Configuration;

internal sealed class ObservabilityOptionsValidator : IValidateOptions<ObservabilityOptions>
{
    public ValidateOptionsResult Validate(string? name, ObservabilityOptions options)
    {
        var errors = new OptionErrors(ObservabilityOptions.Section);
        foreach (var url in options.UrlList)
        {
            errors.Require(IsListenerUrl(url),
                "Urls", $"has '{url}': use http://host:port without a path, e.g. http://localhost:9464 (http://0.0.0.0:9464 for every interface), or leave it empty for no listener");
        }
        if (!string.IsNullOrEmpty(options.OtlpEndpoint))
        {
            errors.Require(Uri.TryCreate(options.OtlpEndpoint, UriKind.Absolute, out var otlp) && (otlp.Scheme == Uri.UriSchemeHttp || otlp.Scheme == Uri.UriSchemeHttps),
                "OtlpEndpoint", $"is '{options.OtlpEndpoint}': use the collector's http(s) base URL, e.g. http://otel-collector:4317, or leave it empty");
        }
        errors.Require(options.TraceSampleRatio is >= 0 and <= 1, "TraceSampleRatio",
            $"is {options.TraceSampleRatio}: use a share between 0 (no traces) and 1 (every message), e.g. 0.1");
        errors.Require(TryProtocol(options.OtlpProtocol, out _), "OtlpProtocol", $"is '{options.OtlpProtocol}': use Grpc or HttpProtobuf");
        errors.Require(options.LogFormat.Equals("Text", StringComparison.OrdinalIgnoreCase) || options.JsonLogs,
            "LogFormat", $"is '{options.LogFormat}': use Text or Json");
        return errors.ToResult();
    }

    /// <summary>A Kestrel listener address as the options take it: http://host:port, no path, no wildcard (also the dashboard's).</summary>
    public static bool IsListenerUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttp && uri.AbsolutePath == "/" && !url.Contains('*', StringComparison.Ordinal);

    public static bool TryProtocol(string value, out OtlpExportProtocol protocol) =>
        Enum.TryParse(value, ignoreCase: true, out protocol) && Enum.IsDefined(protocol);
}
