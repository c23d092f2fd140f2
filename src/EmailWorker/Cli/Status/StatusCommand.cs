using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EmailWorker.DeadLetters.Views;
using EmailWorker.Diagnostics;
using EmailWorker.Broker;

namespace EmailWorker.Cli.Status;

/// <summary>
/// <c>emailworker status</c>: how many messages wait in the work queue, every retry tier and the dead-letter queue; with
/// <c>--metrics-url</c> also a running worker's outcome rates, and with <c>--watch</c> again every 5 s.
/// </summary>
internal static class StatusCommand
{
    /// <summary>How often <c>--watch</c> refreshes, and how far apart the two scrapes of a single run are.</summary>
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "JSON instead of a table" };
        var metricsUrl = new Option<string>("--metrics-url")
        {
            Description = "A running worker's /metrics (Observability:Urls), e.g. http://localhost:9464/metrics: adds its delivered, deferred and " +
                "dead-lettered rates and success rate (two scrapes 5 s apart; with --watch over the last 5 minutes)",
        };
        var watch = new Option<bool>("--watch") { Description = "Refresh every 5 s until Ctrl+C" };
        var command = new Command("status", "Show the depth of the work queue, every retry tier and the dead-letter queue, and their consumers.");
        command.Options.Add(json);
        command.Options.Add(metricsUrl);
        command.Options.Add(watch);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(parse, async (context, token) =>
        {
            var url = parse.GetValue(metricsUrl) is { } value ? MetricsScraper.Validate(value) : null;
            using var scraper = url is null ? null : new MetricsScraper(url, TimeProvider.System);
            if (scraper is not null)
            {
                // The first scrape only starts the window: rates need a second one.
                await scraper.ScrapeAsync(token);
            }
            var watching = parse.GetValue(watch);
            for (var first = true; ; first = false)
            {
                if (scraper is not null || !first)
                {
                    try
                    {
                        await Task.Delay(Interval, token);
                    }
                    catch (OperationCanceledException) when (watching && token.IsCancellationRequested)
                    {
                        // Ctrl+C is how a watch ends.
                        return ExitCodes.Ok;
                    }
                }
                var exitCode = await ShowAsync(context, scraper, parse.GetValue(json), token);
                if (!watching)
                    return exitCode;
            }
        }, cancellationToken));
        return command;
    }

    private static async Task<int> ShowAsync(OperatorContext context, MetricsScraper? scraper, bool json, CancellationToken token)
    {
        var (queues, unackedProblem) = await QueueSurvey.ReadAsync(context, token);
        var worker = scraper is null ? null : await scraper.ScrapeAsync(token);
        var report = new StatusReport(context.Endpoint, queues, unackedProblem, worker);
        if (json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(report, ViewJsonContext.Default.StatusReport));
        }
        else
        {
            var table = new TextTable("QUEUE", "ROLE", "READY", "UNACKED", "CONSUMERS");
            foreach (var queue in queues)
                table.Add(queue.Name, queue.Role, Count(queue.Ready, queue.Exists), Count(queue.Unacked, queue.Exists), Count(queue.Consumers, queue.Exists));
            Console.Out.WriteLine($"broker {report.Broker}");
            table.WriteTo(Console.Out);
            if (unackedProblem is not null)
                Console.Out.WriteLine($"unacked unknown: {unackedProblem}");
            if (worker is not null)
                WriteRates(worker);
        }
        return queues.All(q => q.Exists) ? ExitCodes.Ok : ExitCodes.Failure;
    }

    private static void WriteRates(WorkerRates worker)
    {
        Console.Out.WriteLine($"worker {worker.MetricsUrl}, last {worker.WindowSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s ({worker.DeliveredSinceStart.ToString("0", CultureInfo.InvariantCulture)} delivered since it started)");
        var table = new TextTable("OUTCOME", "PER MINUTE");
        table.Add("delivered", Rate(worker.DeliveredPerMinute));
        table.Add("deferred", Rate(worker.DeferredPerMinute));
        table.Add("dead-lettered", Rate(worker.DeadLetteredPerMinute));
        table.Add("rejected/expired", Rate(worker.RejectedOrExpiredPerMinute));
        table.WriteTo(Console.Out);
        Console.Out.WriteLine(worker.SuccessRate is { } rate
            ? $"success rate {(rate * 100).ToString("0.0", CultureInfo.InvariantCulture)} % (delivered of final outcomes)"
            : "success rate - (no final outcome in this window)");
    }

    private static string Rate(double perMinute) => perMinute.ToString("0.0", CultureInfo.InvariantCulture);

    private static string Count(long? value, bool exists) => exists ? value?.ToString(CultureInfo.InvariantCulture) ?? "?" : "missing";
}
