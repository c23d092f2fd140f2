using EmailWorker.Diagnostics;

namespace EmailWorker.DeadLetters.Views;

/// <summary>
/// Reads a running worker's <c>/metrics</c> and keeps the scrapes of the last <see cref="Window"/>, so that rates cover the
/// last minutes once <c>--watch</c> has run that long (and the time since the first scrape before).
/// </summary>
internal sealed class MetricsScraper(Uri url, TimeProvider time) : IDisposable
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    /// <summary>Far more than a worker's exposition (a few tens of KiB): a wrong URL must not fill memory.</summary>
    private const int MaxResponseBytes = 4 * 1024 * 1024;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5), MaxResponseContentBufferSize = MaxResponseBytes };
    private readonly Queue<OutcomeTotals> _scrapes = new();

    /// <summary>The last scrape (e.g. for the breaker gauge), null before the first.</summary>
    public OutcomeTotals? Latest { get; private set; }

    /// <summary>An absolute http(s) URL, or a usage error that names the option.</summary>
    public static Uri Validate(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)
            ? url
            : throw new OperatorException($"--metrics-url '{value}' is not an http(s) URL; use the worker's, e.g. http://localhost:9464/metrics", ExitCodes.Usage);

    /// <summary>Scrapes once more and returns the rates from the oldest scrape kept to this one; null after the first.</summary>
    public async Task<WorkerRates?> ScrapeAsync(CancellationToken cancellationToken)
    {
        string text;
        try
        {
            text = await _http.GetStringAsync(url, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new OperatorException($"the worker's metrics at {url} cannot be read: {ex.Message} (is Observability:Urls set on the worker?)", ExitCodes.Failure);
        }
        var now = OutcomeTotals.Parse(text, time.GetUtcNow());
        while (_scrapes.Count > 0 && now.At - _scrapes.Peek().At > Window)
            _scrapes.Dequeue();
        var oldest = _scrapes.Count > 0 ? _scrapes.Peek() : null;
        _scrapes.Enqueue(now);
        Latest = now;
        return oldest is null ? null : WorkerRates.Between(url.ToString(), oldest, now);
    }

    public void Dispose() => _http.Dispose();
}
