using System.Diagnostics;
using System.Globalization;
using EmailWorker.TestSupport;
using RabbitMQ.Client;

namespace EmailWorker.Benchmarks;

/// <summary>The real worker process, with its own hosting and configuration and retries enabled, against the sink.</summary>
internal sealed class WorkerRuns(BrokerEndpoint broker)
{
    /// <summary>A drain's rate, CPU and peak RSS, round trips, and the worker's /metrics as it ended (<c>Metrics</c>: null with telemetry off).</summary>
    public sealed record Drain(double PerSecond, double CpuMsPerMessage, double PeakRssMiB, double RoundTrips, string? Metrics = null);

    /// <summary>What the worker exports while it runs.</summary>
    public enum Telemetry
    {
        /// <summary>No metrics listener, no tracing: instruments and spans have no listener.</summary>
        Off,

        /// <summary>As shipped: the Prometheus listener (here on a free port, scraped every 5 s), no tracing.</summary>
        Metrics,

        /// <summary>The Prometheus listener scraped every 5 s, and metrics and spans pushed over OTLP to <see cref="Collector"/>.</summary>
        MetricsAndTraces,
    }

    /// <summary>
    /// Pre-fills the work queue with the batch (warm-up first), starts the worker, and waits for every message at the sink.
    /// Configured as shipped but for <paramref name="extraEnvironment"/> (e.g. another log level, a GC setting).
    /// The rate is the measured messages' (<see cref="Sink.RateOf"/>); CPU per message is counted from the end of the
    /// warm-up on, as MailKit's is in the SMTP ceiling: process start-up and first compilations are not per message.
    /// </summary>
    public async Task<Drain> DrainAsync(Sink sink, Batch batch, int poolSize, int concurrency, string retrySchedule = "30s",
        Telemetry telemetry = Telemetry.Metrics, IReadOnlyDictionary<string, string>? extraEnvironment = null)
    {
        await DeclareAndFillAsync(batch.Prefix, batch.WarmUpIds.Concat(batch.MeasuredIds));
        await using var collector = telemetry == Telemetry.MetricsAndTraces ? new Collector() : null;
        var environment = Settings(batch.Prefix, sink.Port, poolSize, concurrency, retrySchedule);
        foreach (var (key, value) in extraEnvironment ?? new Dictionary<string, string>())
            environment[key] = value;
        using var scraping = new CancellationTokenSource();
        var scraper = Task.CompletedTask;
        string? url = null;
        if (telemetry != Telemetry.Off)
        {
            url = $"http://127.0.0.1:{Sink.FreePort()}";
            environment["EMAILWORKER__OBSERVABILITY__URLS"] = url;
            scraper = Collector.ScrapeAsync($"{url}/metrics", TimeSpan.FromSeconds(5), scraping.Token);
        }
        if (collector is not null)
        {
            environment["EMAILWORKER__OBSERVABILITY__OTLPENDPOINT"] = collector.Endpoint;
            environment["EMAILWORKER__OBSERVABILITY__OTLPPROTOCOL"] = "HttpProtobuf";
        }
        await using (var worker = ChildProcess.Start(Repository.Worker, ["run"], environment))
        {
            await sink.WaitForAsync(batch.Prefix, Math.Max(batch.WarmUp, 1), TimeSpan.FromMinutes(2));
            var cpuAtWarm = worker.CpuTime;
            var deliveredAtWarm = sink.Arrived(batch.Prefix);
            await sink.WaitForAsync(batch.Prefix, batch.Total, TimeSpan.FromMinutes(5));
            var cpu = worker.CpuTime - cpuAtWarm;
            string? metrics = null;
            if (url is not null)
            {
                using var http = new HttpClient();
                metrics = await http.GetStringAsync($"{url}/metrics");
            }
            var drain = new Drain(sink.RateOf(batch), cpu.TotalMilliseconds / (batch.Total - deliveredAtWarm), worker.PeakRssMiB,
                sink.RoundTripsPerMessage(batch), metrics);
            await scraping.CancelAsync();
            await scraper;
            // Spans are pushed in batches every few seconds: none at all means tracing was not on, and the figure would lie.
            if (collector is { ExportedBytes: 0 })
                throw new InvalidOperationException("the worker exported nothing over OTLP: tracing was not on");
            await worker.DisposeAsync();
            await Queues.DeleteTopologyAsync(broker, batch.Prefix);
            DeleteStore(batch.Prefix);
            return drain;
        }
    }

    /// <summary>
    /// Publishes at a steady rate and returns each message's publish→250 latency, in milliseconds, over
    /// <paramref name="duration"/> after a warm-up at the same rate that is not measured: a fresh process compiles its
    /// code and opens its SMTP connections on the first messages, and the backlog that builds meanwhile takes a few seconds
    /// to drain (measured: gone 4 s after publishing began) — start-up, not the steady state the figure is about.
    /// </summary>
    public async Task<double[]> LatenciesAsync(Sink sink, double ratePerSecond, TimeSpan warmUp, TimeSpan duration, int poolSize, int concurrency)
    {
        var prefix = $"bench{Guid.NewGuid():N}"[..13];
        await DeclareAndFillAsync(prefix, []);
        var environment = Settings(prefix, sink.Port, poolSize, concurrency, "30s");
        environment["EMAILWORKER__OBSERVABILITY__URLS"] = $"http://127.0.0.1:{Sink.FreePort()}"; // as shipped: metrics on
        await using var worker = ChildProcess.Start(Repository.Worker, ["run"], environment);
        await using var connection = await broker.CreateFactory().CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true));
        await Task.Delay(TimeSpan.FromSeconds(3)); // the worker declares and starts consuming
        var unmeasured = (int)(ratePerSecond * warmUp.TotalSeconds);
        var count = unmeasured + (int)(ratePerSecond * duration.TotalSeconds);
        var published = new Dictionary<string, long>(count);
        var confirms = new List<Task>(count);
        var clock = Stopwatch.StartNew();
        var properties = new BasicProperties { Persistent = true, ContentType = "application/json" };
        for (var i = 0; i < count; i++)
        {
            if (TimeSpan.FromSeconds(i / ratePerSecond) - clock.Elapsed is { Ticks: > 0 } wait)
                await Task.Delay(wait);
            var id = $"{prefix}-{i}";
            if (i >= unmeasured)
                published[$"{id}@bench.test"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            // Confirms are awaited at the end: waiting for each in turn would hold the publisher below the rate.
            confirms.Add(channel.BasicPublishAsync($"{prefix}.send", "", mandatory: true, properties, Messages.Json(id)).AsTask());
        }
        await Task.WhenAll(confirms);
        await sink.WaitForAsync(prefix, count, TimeSpan.FromMinutes(2));
        await worker.DisposeAsync();
        await Queues.DeleteTopologyAsync(broker, prefix);
        DeleteStore(prefix);
        return [.. sink.Receipts().Where(r => published.ContainsKey(r.Recipient)).Select(r => (double)(r.At - published[r.Recipient])).Order()];
    }

    /// <summary>
    /// The worker's settings for one drain: <paramref name="poolSize"/> connections and <paramref name="concurrency"/>
    /// handlers (prefetch four times that), as a peer gets them like for like; <see cref="Shipped"/> for both leaves
    /// appsettings.json's (the worker as a user starts it).
    /// </summary>
    public Dictionary<string, string> Settings(string prefix, int sinkPort, int poolSize, int concurrency, string retrySchedule)
    {
        var environment = Environment(broker, prefix);
        environment["EMAILWORKER__SMTP__PORT"] = sinkPort.ToString(CultureInfo.InvariantCulture);
        if (poolSize != Shipped)
            environment["EMAILWORKER__SMTP__POOLSIZE"] = poolSize.ToString(CultureInfo.InvariantCulture);
        if (concurrency != Shipped)
        {
            environment["EMAILWORKER__DELIVERY__CONCURRENCYLIMIT"] = concurrency.ToString(CultureInfo.InvariantCulture);
            environment["EMAILWORKER__DELIVERY__PREFETCHCOUNT"] = (concurrency * 4).ToString(CultureInfo.InvariantCulture);
        }
        environment["EMAILWORKER__RETRY__SCHEDULE"] = retrySchedule;
        environment["EMAILWORKER__DEADLETTERS__DATADIRECTORY"] = Directory.CreateDirectory(StoreFolder(prefix)).FullName;
        return environment;
    }

    /// <summary>
    /// Each run's own dead-letter store (its SQLite file: the delivered ledger, the suppression list): the shipped
    /// <c>./data</c> would be the checkout's, kept from every earlier run (1.09 million ledger rows were found in one), and
    /// two checkouts compared with each other would not start alike.
    /// </summary>
    private static string StoreFolder(string prefix) => Path.Combine(Path.GetTempPath(), $"emailworker-bench-store-{prefix}");

    /// <summary>Removes the run's store (<see cref="StoreFolder"/>) once its worker has exited.</summary>
    public static void DeleteStore(string prefix) => Directory.Delete(StoreFolder(prefix), recursive: true);

    /// <summary>For a pool size or concurrency: what appsettings.json ships.</summary>
    public const int Shipped = 0;

    /// <summary>
    /// The worker's (or the CLI's) environment for this broker and topology prefix. Logging is left as shipped
    /// (appsettings.json: Information, one line per delivery); the metrics listener is off here (the default port would
    /// clash between runs) and turned on per run on a free port.
    /// </summary>
    public static Dictionary<string, string> Environment(BrokerEndpoint broker, string prefix)
    {
        var environment = broker.WorkerEnvironment();
        environment["EMAILWORKER__TOPOLOGY__PREFIX"] = prefix;
        environment["EMAILWORKER__SMTP__HOST"] = "127.0.0.1";
        environment["EMAILWORKER__OBSERVABILITY__URLS"] = "";
        return environment;
    }

    /// <summary>Declares the work queue as the worker would, and fills it with confirmed publishes.</summary>
    public async Task DeclareAndFillAsync(string prefix, IEnumerable<string> ids)
    {
        await using var connection = await broker.CreateFactory().CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true));
        var work = $"{prefix}.send";
        await channel.ExchangeDeclareAsync(work, ExchangeType.Fanout, durable: true);
        await channel.ExchangeDeclareAsync($"{prefix}.dead", ExchangeType.Fanout, durable: true);
        await channel.QueueDeclareAsync(work, durable: true, exclusive: false, autoDelete: false, new Dictionary<string, object?>
        {
            ["x-queue-type"] = "quorum",
            ["x-delivery-limit"] = 20,
            ["x-dead-letter-exchange"] = $"{prefix}.dead",
            ["x-dead-letter-strategy"] = "at-least-once",
            ["x-overflow"] = "reject-publish",
        });
        await channel.QueueBindAsync(work, work, "");
        await Messages.PublishAsync(channel, work, "", ids);
    }
}
