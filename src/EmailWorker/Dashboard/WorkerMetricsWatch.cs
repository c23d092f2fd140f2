using EmailWorker.DeadLetters.Views;
using EmailWorker.Diagnostics;
using Microsoft.Extensions.Hosting;

namespace EmailWorker.Dashboard;

/// <summary>
/// Scrapes the worker's <c>/metrics</c> every <see cref="Interval"/> with the scraper <c>emailworker status</c> uses, so
/// the overview shows rates over the last minutes (up to <see cref="MetricsScraper.Window"/>) and the breaker gauge.
/// </summary>
internal sealed class WorkerMetricsWatch(Uri? url, TimeProvider time) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    /// <summary>What the overview shows: the latest rates and breaker state, or why there are none.</summary>
    public sealed record Reading(string? Url, WorkerRates? Rates, bool? BreakerOpen, string? Problem);

    private volatile Reading _latest = new(url?.ToString(), null, null,
        url is null ? "no worker metrics configured (Dashboard:MetricsUrl or Observability:Urls)" : "first scrape pending");

    public Reading Latest => _latest;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (url is null)
            return;
        using var scraper = new MetricsScraper(url, time);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var rates = await scraper.ScrapeAsync(stoppingToken);
                _latest = new Reading(url.ToString(), rates ?? _latest.Rates, scraper.Latest?.BreakerOpen,
                    rates is null && _latest.Rates is null ? $"rates after the next scrape (every {Interval.TotalSeconds:0} s)" : null);
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
