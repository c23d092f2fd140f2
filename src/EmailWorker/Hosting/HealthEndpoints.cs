using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;


namespace EmailWorker.Hosting;

/// <summary>The listener's routes: <c>/metrics</c> (Prometheus), <c>/healthz/live</c>, <c>/healthz/ready</c> and <c>/relays</c>.</summary>
internal static class HealthEndpoints
{
    public const string Live = "live";
    public const string Ready = "ready";

    public static void Use(IApplicationBuilder app)
    {
        app.UseOpenTelemetryPrometheusScrapingEndpoint();
        app.UseHealthChecks("/healthz/live", Options(Live));
        app.UseHealthChecks("/healthz/ready", Options(Ready));
        app.Map(RelaysEndpoint.Path, relays => relays.Run(RelaysEndpoint.WriteAsync));
    }

    private static HealthCheckOptions Options(string tag) => new()
    {
        Predicate = registration => registration.Tags.Contains(tag),
        ResponseWriter = WriteAsync,
    };

    /// <summary>Plain text: the overall status, then each check's status and description (Degraded says why).</summary>
    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        var text = new StringBuilder(report.Status.ToString()).Append('\n');
        foreach (var (name, entry) in report.Entries)
            text.Append(CultureInfo.InvariantCulture, $"{name}: {entry.Status}: {entry.Description}\n");
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(text.ToString());
    }
}
