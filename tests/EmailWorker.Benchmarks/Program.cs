using System.Diagnostics;
using System.Globalization;
using EmailWorker.Benchmarks;
using EmailWorker.TestSupport;

// Benchmarks: EmailWorker end to end against this machine's broker and SMTP ceilings and the peers a user would pick
// instead (a tuned MassTransit consumer, Postfix, a naive MassTransit consumer), all measured in one run on the same
// machine, message and sink. Prints a table, the ratios against the targets, and one JSON line.
// Usage: [--runs N] [--messages N] [--store-runs N] [--store-size N] [--ingest N] [--only group,group] (groups: broker, smtp, naive, tuned, postfix, drain, observability,
// ledger, logging, memory, jit, latency, retry, replay, deadletters, remote; all when left out — for profiling one path).
var runs = Option("--runs", 3);
var messages = Option("--messages", 20_000);
var only = OnlyGroups();
const int PoolSize = 4, Concurrency = 8, RemotePool = 128, RemoteDelayMs = 20, ReplayMessages = 10_000;
// Every peer drains a warm-up batch in the same process before its measured messages: warm code for all, and start-up
// outside every window. The naive consumer at MassTransit's default concurrency on the remote relay does ~130 msgs/s, so
// it alone runs on fewer messages (labelled).
var warmUp = Math.Min(2000, messages);
var remoteMessages = Math.Min(6000, messages);
const int NaiveRemoteDefaultMessages = 600, NaiveRemoteDefaultWarmUp = 200;
var total = Stopwatch.StartNew();

await using var node = BrokerEndpoint.FromEnvironment() is null ? await ThrowawayRabbitNode.StartAsync(TimeSpan.FromSeconds(90)) : null;
var broker = BrokerEndpoint.FromEnvironment() ?? new BrokerEndpoint("127.0.0.1", node!.AmqpPort, "/", "guest", "guest", node.ManagementPort);
var table = new Table(total);
string? postfixMissing = null;

var worker = new WorkerRuns(broker);
await using (var sink = await Sink.StartAsync(0))
await using (var failingSink = await Sink.StartAsync(0, failFirst: true))
await using (var postfix = Wanted("postfix") ? await StartPostfixAsync(sink.Port, null) : null)
{
    for (var run = 1; run <= runs; run++)
    {
        Console.Error.WriteLine($"loopback run {run}/{runs}");
        if (Wanted("broker"))
        {
            var (publish, consume) = await BrokerCeiling.MeasureAsync(broker, messages);
            table.Record("broker ceiling: confirmed publish (quorum queue)", "msgs/s", publish);
            table.Record("broker ceiling: consume + ack (quorum queue)", "msgs/s", consume);
        }
        if (Wanted("smtp"))
        {
            // Twice the messages of the others: the figure every ratio divides by needs the steadiest window.
            var (smtp, mailKitCpu) = await SmtpCeiling.MeasureAsync(sink.Port, PoolSize, warmUp, messages * 2);
            table.Record($"SMTP ceiling: MailKit, {PoolSize} pooled connections", "msgs/s", smtp);
            table.Record("SMTP ceiling: MailKit CPU per message", "ms", mailKitCpu);
        }
        if (Wanted("drain") || Wanted("latency"))
        {
            var drain = await worker.DrainAsync(sink, Batch.Create(warmUp, messages), PoolSize, Concurrency);
            table.Record($"EmailWorker end to end: pool {PoolSize}, concurrency {Concurrency}", "msgs/s", drain.PerSecond);
            table.Record("EmailWorker CPU per message", "ms", drain.CpuMsPerMessage);
            table.Record("EmailWorker peak RSS while draining", "MiB", drain.PeakRssMiB);
            if (Wanted("latency"))
            {
                var latencies = await worker.LatenciesAsync(sink, drain.PerSecond / 2, warmUp: TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(8), PoolSize, Concurrency);
                table.Record("publish→250 latency p50 at half load", "ms", Figure.Percentile(latencies, 50));
                table.Record("publish→250 latency p95 at half load", "ms", Figure.Percentile(latencies, 95));
                table.Record("publish→250 latency p99 at half load", "ms", Figure.Percentile(latencies, 99));
            }
        }
        if (Wanted("tuned"))
        {
            var (tuned, tunedCpu) = await TunedMassTransit.MeasureAsync(broker, sink, Batch.Create(warmUp, messages), PoolSize, Concurrency);
            table.Record($"tuned MassTransit: quorum, prefetch {Concurrency * 4}, concurrency {Concurrency}, pool {PoolSize}", "msgs/s", tuned);
            table.Record("tuned MassTransit CPU per message", "ms", tunedCpu);
        }
        if (Wanted("naive"))
            table.Record("naive MassTransit: defaults, connection per message", "msgs/s", (await NaiveBaseline.MeasureAsync(broker, sink, Batch.Create(warmUp, messages))).PerSecond);
        if (postfix is not null)
            table.Record($"Postfix: submit over {Concurrency} connections → relay (defaults)", "msgs/s", await postfix.MeasureAsync(sink, Batch.Create(warmUp, messages), Concurrency));
        if (Wanted("observability"))
        {
            // Same run, back to back: the shipped default (metrics) is the drain above; these two bracket it.
            var off = await worker.DrainAsync(sink, Batch.Create(warmUp, messages), PoolSize, Concurrency, telemetry: WorkerRuns.Telemetry.Off);
            table.Record("EmailWorker, metrics and tracing off", "msgs/s", off.PerSecond);
            table.Record("EmailWorker CPU per message, metrics and tracing off", "ms", off.CpuMsPerMessage);
            table.Record("EmailWorker peak RSS, metrics and tracing off", "MiB", off.PeakRssMiB);
            var on = await worker.DrainAsync(sink, Batch.Create(warmUp, messages), PoolSize, Concurrency, telemetry: WorkerRuns.Telemetry.MetricsAndTraces);
            table.Record("EmailWorker, metrics scraped + traces to OTLP", "msgs/s", on.PerSecond);
            table.Record("EmailWorker CPU per message, metrics scraped + traces to OTLP", "ms", on.CpuMsPerMessage);
            table.Record("EmailWorker peak RSS, metrics scraped + traces to OTLP", "MiB", on.PeakRssMiB);
        }
        // The shipped configuration keeps the delivered ledger (SQLite, group commit); this is the drain without it.
        if (Wanted("ledger"))
            await VariantAsync(sink, "delivered ledger off (shipped: on)", "ledger off", "EMAILWORKER__DELIVERY__LEDGER", "false");
        // The shipped configuration logs each delivery at Information; this is what that line costs.
        if (Wanted("logging"))
            await VariantAsync(sink, "logging at Warning (shipped: Information)", "logging at Warning", "EMAILWORKER__SERILOG__MINIMUMLEVEL__DEFAULT", "Warning");
        // Peak RSS is mostly the GC's gen0 budget, which .NET sizes from the CPU's cache (runtimeconfig cannot set it; only
        // the environment can): the same drain with a 16 MiB budget, as a deployment can set it.
        if (Wanted("memory"))
            table.Record("EmailWorker peak RSS, DOTNET_GCgen0size=16 MiB", "MiB",
                (await VariantAsync(sink, "DOTNET_GCgen0size=16 MiB", "DOTNET_GCgen0size=16 MiB", "DOTNET_GCgen0size", "0x1000000")).PeakRssMiB);
        // The worker ships without tiered compilation (and the peers here run so too); this is the .NET default.
        if (Wanted("jit"))
            await VariantAsync(sink, "tiered compilation on (.NET default)", "tiered compilation on", "DOTNET_TieredCompilation", "1");
        if (Wanted("retry"))
        {
            var retry = await worker.DrainAsync(failingSink, Batch.Create(warmUp / 4, messages / 4), PoolSize, Concurrency, retrySchedule: "1s");
            table.Record($"retry path: {messages / 4} messages, each 451 once, retry after 1 s", "msgs/s", retry.PerSecond);
        }
        if (Wanted("replay"))
            table.Record($"replay: dlq replay --all of {ReplayMessages} dead letters", "msgs/s", await ReplayRun.MeasureAsync(broker, ReplayMessages));
    }
}
// The million-letter store takes minutes to build and to measure, so it runs --store-runs times (default 1), not --runs.
for (var run = 1; run <= Option("--store-runs", 1) && Wanted("deadletters"); run++)
    await DeadLetterScale.MeasureAsync(broker, Option("--store-size", 1_000_000), Option("--ingest", 100_000), table.Record);
if (Wanted("remote"))
{
    await using var remote = await Sink.StartAsync(RemoteDelayMs);
    await using var remotePostfix = Wanted("postfix") ? await StartPostfixAsync(remote.Port, RemotePool) : null;
    for (var run = 1; run <= runs; run++)
    {
        Console.Error.WriteLine($"remote-relay run {run}/{runs}");
        var (smtp, _) = await SmtpCeiling.MeasureAsync(remote.Port, RemotePool, warmUp, remoteMessages);
        table.Record($"remote relay ({RemoteDelayMs} ms/reply): MailKit ceiling, {RemotePool} connections", "msgs/s", smtp);
        var drain = await worker.DrainAsync(remote, Batch.Create(warmUp, remoteMessages), RemotePool, RemotePool);
        table.Record($"remote relay: EmailWorker end to end, pool {RemotePool}, concurrency {RemotePool}", "msgs/s", drain.PerSecond);
        table.Record($"remote relay: tuned MassTransit, pool {RemotePool}, concurrency {RemotePool}", "msgs/s",
            (await TunedMassTransit.MeasureAsync(broker, remote, Batch.Create(warmUp, remoteMessages), RemotePool, RemotePool)).PerSecond);
        table.Record($"remote relay: naive MassTransit, concurrency {RemotePool}", "msgs/s",
            (await NaiveBaseline.MeasureAsync(broker, remote, Batch.Create(warmUp, remoteMessages), RemotePool)).PerSecond);
        table.Record($"remote relay: naive MassTransit at its default concurrency ({NaiveRemoteDefaultMessages} messages)", "msgs/s",
            (await NaiveBaseline.MeasureAsync(broker, remote, Batch.Create(NaiveRemoteDefaultWarmUp, NaiveRemoteDefaultMessages))).PerSecond);
        if (remotePostfix is not null)
            table.Record($"remote relay: Postfix, {RemotePool} relay connections", "msgs/s", await remotePostfix.MeasureAsync(remote, Batch.Create(warmUp, remoteMessages), Concurrency));
    }
}

table.Print(runs, messages, warmUp, postfixMissing);
return 0;

// The shipped drain with one setting changed: its rate and CPU per message.
async Task<WorkerRuns.Drain> VariantAsync(Sink sink, string label, string shortLabel, string variable, string value)
{
    var drain = await worker.DrainAsync(sink, Batch.Create(warmUp, messages), PoolSize, Concurrency,
        extraEnvironment: new Dictionary<string, string> { [variable] = value });
    table.Record($"EmailWorker, {label}", "msgs/s", drain.PerSecond);
    table.Record($"EmailWorker CPU per message, {shortLabel}", "ms", drain.CpuMsPerMessage);
    return drain;
}

async Task<PostfixPeer?> StartPostfixAsync(int relayPort, int? connections)
{
    postfixMissing = PostfixPeer.Unavailable;
    if (postfixMissing is null)
        return await PostfixPeer.StartAsync(relayPort, connections);
    Console.Error.WriteLine($"  Postfix left out: {postfixMissing}");
    return null;
}

bool Wanted(string group) => only is null || only.Contains(group);

HashSet<string>? OnlyGroups()
{
    var index = Array.IndexOf(args, "--only");
    return index >= 0 && index + 1 < args.Length ? [.. args[index + 1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)] : null;
}

int Option(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length && int.TryParse(args[index + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
        ? value : fallback;
}
