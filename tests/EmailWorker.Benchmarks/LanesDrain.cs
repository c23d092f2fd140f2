using System.Diagnostics;
using System.Text.Json;
using EmailWorker.Contracts;
using EmailWorker.TestSupport;
using RabbitMQ.Client;

namespace EmailWorker.Benchmarks;

/// <summary>
/// Priority lanes (docs/design.md, *Priority lanes*): a bulk backlog queued in <c>email.send.bulk</c> before the worker
/// starts, then, while it drains, high messages published to <c>email.send.high</c> at a steady rate; each high message's
/// publish→250 latency at the sink. The worker as shipped (appsettings.json's pool and concurrency).
/// </summary>
internal static class LanesDrain
{
    /// <summary>
    /// The high messages' latencies (ms, sorted), the bulk drain's rate while they were published, and how long
    /// <c>topology apply</c> took to declare every lane's work queue and tiers (process start included).
    /// </summary>
    public sealed record Result(double[] HighLatencies, double BulkPerSecond, TimeSpan TopologyApply);

    private const double HighPerSecond = 20;

    public static async Task<Result> MeasureAsync(BrokerEndpoint broker, WorkerRuns worker, Sink sink, int bulk)
    {
        var prefix = $"lanes{Guid.NewGuid():N}"[..13];
        var environment = worker.Settings(prefix, sink.Port, WorkerRuns.Shipped, WorkerRuns.Shipped, "30s");
        var apply = await CliRun.RunAsync(["topology", "apply"], environment, TimeSpan.FromMinutes(2));
        if (apply.ExitCode != 0)
            throw new InvalidOperationException($"topology apply failed: {apply.StandardError}");
        await using var connection = await broker.CreateFactory().CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true));
        // The sink counts arrivals by what comes before the first dash of the recipient: one such prefix per lane.
        var bulkPrefix = $"{prefix}b";
        await PublishAsync(channel, EmailPriority.ExchangeFor($"{prefix}.send", EmailPriority.Bulk),
            Enumerable.Range(0, bulk).Select(i => $"{bulkPrefix}-{i}"), EmailPriority.Bulk);

        await using var process = ChildProcess.Start(Repository.Worker, ["run"], environment);
        // High messages from the moment the drain is in its stride (5 % done) until 90 % of it is done: the backlog is there throughout.
        await sink.WaitForAsync(bulkPrefix, bulk / 20, TimeSpan.FromMinutes(2));
        var highPrefix = $"{prefix}h";
        var published = new Dictionary<string, long>();
        var bulkAtStart = sink.Arrived(bulkPrefix);
        var clock = Stopwatch.StartNew();
        var confirms = new List<Task>();
        var properties = new BasicProperties { Persistent = true, ContentType = "application/json" };
        var highExchange = EmailPriority.ExchangeFor($"{prefix}.send", EmailPriority.High);
        for (var i = 0; sink.Arrived(bulkPrefix) < bulk * 9 / 10; i++)
        {
            if (TimeSpan.FromSeconds(i / HighPerSecond) - clock.Elapsed is { Ticks: > 0 } wait)
                await Task.Delay(wait);
            var id = $"{highPrefix}-{i}";
            published[$"{id}@bench.test"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            confirms.Add(channel.BasicPublishAsync(highExchange, "", mandatory: true, properties, Body(id, EmailPriority.High)).AsTask());
        }
        var bulkPerSecond = (sink.Arrived(bulkPrefix) - bulkAtStart) / clock.Elapsed.TotalSeconds;
        await Task.WhenAll(confirms);
        await sink.WaitForAsync(highPrefix, published.Count, TimeSpan.FromMinutes(2));
        await sink.WaitForAsync(bulkPrefix, bulk, TimeSpan.FromMinutes(10));
        await process.DisposeAsync();
        await Queues.DeleteTopologyAsync(broker, prefix);
        WorkerRuns.DeleteStore(prefix);
        var latencies = sink.Receipts().Where(r => published.ContainsKey(r.Recipient)).Select(r => (double)(r.At - published[r.Recipient])).Order().ToArray();
        if (latencies.Length != published.Count)
            throw new InvalidOperationException($"{latencies.Length} receipts of {published.Count} high messages: one arrived twice or never");
        return new Result(latencies, bulkPerSecond, apply.Elapsed);
    }

    private static byte[] Body(string id, string priority) =>
        JsonSerializer.SerializeToUtf8Bytes(Messages.Command(id) with { Priority = priority }, ContractsJsonContext.Default.SendEmail);

    /// <summary>Confirmed publishes of the backlog, 256 confirms outstanding at most.</summary>
    private static async Task PublishAsync(IChannel channel, string exchange, IEnumerable<string> ids, string priority)
    {
        var properties = new BasicProperties { Persistent = true, ContentType = "application/json" };
        var pending = new List<Task>(256);
        foreach (var id in ids)
        {
            pending.Add(channel.BasicPublishAsync(exchange, "", mandatory: true, properties, Body(id, priority)).AsTask());
            if (pending.Count == 256)
            {
                await Task.WhenAll(pending);
                pending.Clear();
            }
        }
        await Task.WhenAll(pending);
    }
}
