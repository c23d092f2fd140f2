using EmailWorker.DeadLetters.Views;
using EmailWorker.Delivery;
using EmailWorker.Diagnostics;
using Microsoft.Extensions.Hosting;

namespace EmailWorker.Dashboard;

/// <summary>
/// Samples the worker every <see cref="Interval"/>: its <c>/metrics</c> with the scraper <c>emailworker status</c> uses
/// (rates over the last minutes, up to <see cref="MetricsScraper.Window"/>, and the breaker gauge) and its <c>/relays</c>
/// (limits and their last reasons), and adds each sample to the last hour's <see cref="History"/>.
/// </summary>
internal sealed class WorkerMetricsWatch(Uri? url, TimeProvider time) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    /// <summary>What the overview shows: the latest rates, breaker state and relays, or why there are none.</summary>
    public sealed record Reading(string? Url, WorkerRates? Rates, bool? BreakerOpen, string? Problem, RelayStatusReport? Relays = null, string? RelaysProblem = null);

    private volatile Reading _latest = new(url?.ToString(), null, null,
        url is null ? "no worker metrics configured (Dashboard:MetricsUrl or Observability:Urls)" : "first scrape pending");

    public Reading Latest => _latest;

    /// <summary>The last hour, from this dashboard's first sample on (kept in memory only).</summary>
    public WorkerHistory History { get; } = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (url is null)
            return;
        using var scraper = new MetricsScraper(url, time);
        using var relays = new RelaysReader(url);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var rates = await scraper.ScrapeAsync(stoppingToken);
                var (report, relaysProblem) = await relays.ReadAsync(stoppingToken);
                if (scraper.Latest is { } totals)
                {
                    History.Add(totals, report?.Relays.Select(r => (r.Name, new RelayLimitsSample(r.ConnectionLimit, r.RateLimit))).ToList() ?? [],
                        report?.StartedAt);
                }
                _latest = new Reading(url.ToString(), rates ?? _latest.Rates, scraper.Latest?.BreakerOpen,
                    rates is null && _latest.Rates is null ? $"rates after the next scrape (every {Interval.TotalSeconds:0} s)" : null,
                    report, relaysProblem);
            }
            catch (OperatorException ex)
            {
                _latest = new Reading(url.ToString(), null, null, ex.Message);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            try
            {
                await Task.Delay(Interval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                // The dashboard stops.
                return;
            }
        }
    }
}
