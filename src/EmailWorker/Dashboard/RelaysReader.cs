using System.Net.Http.Json;
using EmailWorker.Delivery;

namespace EmailWorker.Dashboard;

/// <summary>
/// Reads the worker's <c>GET /relays</c> (next to its <c>/metrics</c>: <c>http://host:9464/metrics</c> →
/// <c>http://host:9464/relays</c>) with a small bound on the answer; what it returns is cut to
/// <see cref="WorkerHistory.MaxRelays"/> relays and <see cref="MaxText"/> characters a reason, and escaped when a page shows it.
/// </summary>
internal sealed class RelaysReader(Uri metricsUrl) : IDisposable
{
    public const int MaxText = 300;
    private const int MaxResponseBytes = 256 * 1024;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5), MaxResponseContentBufferSize = MaxResponseBytes };

    public Uri Url { get; } = new(metricsUrl, "relays");

    /// <summary>The worker's relays, or the reason there are none (an older worker without the endpoint, unreachable).</summary>
    public async Task<(RelayStatusReport? Report, string? Problem)> ReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _http.GetAsync(Url, cancellationToken);
            if (!response.IsSuccessStatusCode)
                return (null, $"the worker's relays at {Url} answered {(int)response.StatusCode}");
            var report = await response.Content.ReadFromJsonAsync(RelayStatusJsonContext.Default.RelayStatusReport, cancellationToken);
            return report is null ? (null, $"the worker's relays at {Url} answered nothing") : (Bounded(report), null);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException && !cancellationToken.IsCancellationRequested)
        {
            return (null, $"the worker's relays at {Url} cannot be read: {ex.Message}");
        }
    }

    private static RelayStatusReport Bounded(RelayStatusReport report) => report with
    {
        Relays = [.. (report.Relays ?? []).Take(WorkerHistory.MaxRelays).Select(r => r with
        {
            Name = Cut(r.Name ?? ""),
            LastChange = r.LastChange is { } change ? change with { Text = Cut(change.Text ?? "") } : null,
            LastDecrease = r.LastDecrease is { } decrease ? decrease with { Text = Cut(decrease.Text ?? "") } : null,
        })],
    };

    private static string Cut(string text) => text.Length <= MaxText ? text : text[..MaxText] + "…";

    public void Dispose() => _http.Dispose();
}
