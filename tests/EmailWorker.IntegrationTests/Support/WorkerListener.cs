using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace EmailWorker.IntegrationTests.Support;

/// <summary>
/// A worker's metrics and health listener on a loopback port of its own (the default :9464 would clash between tests):
/// <see cref="Environment"/> turns it on, the rest reads <c>/metrics</c> and <c>/healthz/*</c>.
/// </summary>
public sealed class WorkerListener : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };

    public WorkerListener() => BaseUrl = $"http://127.0.0.1:{FreePort().ToString(CultureInfo.InvariantCulture)}";

    public string BaseUrl { get; }

    public Dictionary<string, string> Environment(Dictionary<string, string>? more = null)
    {
        var environment = more ?? [];
        environment["EMAILWORKER__OBSERVABILITY__URLS"] = BaseUrl;
        return environment;
    }

    /// <summary>The status code of a GET, or null while nothing answers (the worker not listening yet).</summary>
    public async Task<HttpStatusCode?> StatusOfAsync(string path)
    {
        try
        {
            using var response = await _http.GetAsync(new Uri(BaseUrl + path), TestContext.CurrentContext.CancellationToken);
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>The status and body of a GET whatever its status (a 503 too); null status while nothing answers.</summary>
    public async Task<(HttpStatusCode? Status, string Body)> GetAsync(string path)
    {
        try
        {
            using var response = await _http.GetAsync(new Uri(BaseUrl + path), TestContext.CurrentContext.CancellationToken);
            return (response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.CurrentContext.CancellationToken));
        }
        catch (HttpRequestException)
        {
            return (null, "");
        }
    }

    public async Task<string> BodyOfAsync(string path) =>
        await _http.GetStringAsync(new Uri(BaseUrl + path), TestContext.CurrentContext.CancellationToken);

    /// <summary>One scrape of <c>/metrics</c>, parsed; empty while nothing answers.</summary>
    public async Task<PrometheusScrape> ScrapeAsync()
    {
        try
        {
            return PrometheusScrape.Parse(await BodyOfAsync("/metrics"));
        }
        catch (HttpRequestException)
        {
            return PrometheusScrape.Parse("");
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose() => _http.Dispose();
}
