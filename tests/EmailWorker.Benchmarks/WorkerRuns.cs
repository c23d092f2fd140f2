using System.Diagnostics;
using System.Globalization;
using EmailWorker.TestSupport;
using RabbitMQ.Client;

namespace EmailWorker.Benchmarks;

/// <summary>The real worker process, with its own hosting and configuration and retries enabled, against the sink.</summary>
internal sealed class WorkerRuns(BrokerEndpoint broker)
{
    public sealed record Drain(double PerSecond, double CpuMsPerMessage, double PeakRssMiB);

    /// <summary>Pre-fills the work queue, starts the worker, and times it from start-up to the last message at the sink.</summary>
    public async Task<Drain> DrainAsync(Sink sink, int count, int poolSize, int concurrency, string retrySchedule = "30s")
    {
        var prefix = $"bench{Guid.NewGuid():N}"[..13];
        await DeclareAndFillAsync(prefix, Enumerable.Range(0, count).Select(i => $"{prefix}-{i}"));
        var before = sink.Count;
        await using var worker = Start(prefix, sink.Port, poolSize, concurrency, retrySchedule);
        // CPU is counted from the first delivery on, as MailKit's is in the SMTP ceiling: process start-up is not per message.
        await sink.WaitForAsync(before + 1, TimeSpan.FromMinutes(1));
        var cpuAtFirst = worker.CpuTime;
        var deliveredAtFirst = sink.Count - before;
        await sink.WaitForAsync(before + count, TimeSpan.FromMinutes(5));
        var cpu = worker.CpuTime - cpuAtFirst;
        return new Drain(sink.RateOfLast(count), cpu.TotalMilliseconds / (count - deliveredAtFirst), worker.PeakRssMiB);
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
        var before = sink.Count;
        await using var worker = Start(prefix, sink.Port, poolSize, concurrency, "30s");
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
        await sink.WaitForAsync(before + count, TimeSpan.FromMinutes(2));
        return [.. sink.Receipts().Where(r => published.ContainsKey(r.Recipient)).Select(r => (double)(r.At - published[r.Recipient])).Order()];
    }

    private ChildProcess Start(string prefix, int sinkPort, int poolSize, int concurrency, string retrySchedule)
    {
        var environment = Environment(broker, prefix);
        environment["EMAILWORKER__SMTP__PORT"] = sinkPort.ToString(CultureInfo.InvariantCulture);
        environment["EMAILWORKER__SMTP__POOLSIZE"] = poolSize.ToString(CultureInfo.InvariantCulture);
        environment["EMAILWORKER__DELIVERY__CONCURRENCYLIMIT"] = concurrency.ToString(CultureInfo.InvariantCulture);
        environment["EMAILWORKER__DELIVERY__PREFETCHCOUNT"] = (concurrency * 4).ToString(CultureInfo.InvariantCulture);
        environment["EMAILWORKER__RETRY__SCHEDULE"] = retrySchedule;
        return ChildProcess.Start(Repository.Worker, ["run"], environment);
    }

    /// <summary>The worker's (or the CLI's) environment for this broker and topology prefix, logging warnings only.</summary>
    public static Dictionary<string, string> Environment(BrokerEndpoint broker, string prefix)
    {
        var environment = broker.WorkerEnvironment();
        environment["EMAILWORKER__TOPOLOGY__PREFIX"] = prefix;
        environment["EMAILWORKER__SMTP__HOST"] = "127.0.0.1";
        environment["EMAILWORKER__SERILOG__MINIMUMLEVEL__DEFAULT"] = "Warning";
        // Without the metrics listener (two workers may run at once; :9464 would clash), so figures compare with earlier runs.
        environment["EMAILWORKER__OBSERVABILITY__URLS"] = "";
        return environment;
    }

    /// <summary>Declares the work queue as the worker would, and fills it with confirmed publishes.</summary>
    private async Task DeclareAndFillAsync(string prefix, IEnumerable<string> ids)
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
        var properties = new BasicProperties { Persistent = true, ContentType = "application/json" };
        var pending = new List<Task>();
        foreach (var id in ids)
        {
            pending.Add(channel.BasicPublishAsync(work, "", mandatory: true, properties, Messages.Json(id)).AsTask());
            if (pending.Count == 256)
            {
                await Task.WhenAll(pending);
                pending.Clear();
            }
        }
        await Task.WhenAll(pending);
    }
}
