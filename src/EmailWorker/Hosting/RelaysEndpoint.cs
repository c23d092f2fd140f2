using System.Diagnostics;
using System.Text.Json;
using EmailWorker.Delivery;
using EmailWorker.Delivery.Relays;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace EmailWorker.Hosting;

/// <summary>
/// <c>GET /relays</c> on the worker's listener: each relay's limits, breaker and last limit changes with their reasons, as
/// JSON (the dashboard's overview reads it). A few hundred bytes a relay: the reasons are the worker's own text, built
/// from a reply's code and enhanced code, never the relay's free text.
/// </summary>
internal static class RelaysEndpoint
{
    public const string Path = "/relays";

    private static readonly DateTimeOffset StartedAt = Process.GetCurrentProcess().StartTime.ToUniversalTime();

    public static Task WriteAsync(HttpContext http)
    {
        if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method))
        {
            http.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return Task.CompletedTask;
        }
        var services = http.RequestServices;
        var relays = services.GetRequiredService<RelayRegistry>();
        var report = new RelayStatusReport(new DateTimeOffset(StartedAt.UtcDateTime, TimeSpan.Zero), [.. relays.All.Select(relay => relay.Status())]);
        http.Response.ContentType = "application/json; charset=utf-8";
        return JsonSerializer.SerializeAsync(http.Response.Body, report, RelayStatusJsonContext.Default.RelayStatusReport, http.RequestAborted);
    }
}
