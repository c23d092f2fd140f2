using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EmailWorker.Benchmarks;
using EmailWorker.TestSupport;

// Benchmarks: EmailWorker end to end against this machine's broker and SMTP ceilings and a naive baseline, all measured in
// one run on the same machine. Prints a table and one JSON line. Usage: [--runs N] [--messages N] [--only group,group]
// (groups: broker, smtp, naive, drain, latency, retry, replay, deadletters, remote; all when left out — for profiling one path).
var runs = Option("--runs", 3);
var messages = Option("--messages", 20_000);
var only = OnlyGroups();
const int PoolSize = 4, Concurrency = 8, RemotePool = 128, RemoteMessages = 6000, NaiveMessages = 2000, NaiveRemoteMessages = 400;
const int RemoteDelayMs = 20, ReplayMessages = 10_000;
var total = Stopwatch.StartNew();

await using var node = BrokerEndpoint.FromEnvironment() is null ? await ThrowawayRabbitNode.StartAsync(TimeSpan.FromSeconds(90)) : null;
var broker = BrokerEndpoint.FromEnvironment() ?? new BrokerEndpoint("127.0.0.1", node!.AmqpPort, "/", "guest", "guest", node.ManagementPort);
var figures = new Dictionary<string, (string Unit, List<double> Runs)>();
void Record(string name, string unit, double value)
{
    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name}: {value:0.0} {unit} (at {total.Elapsed.TotalSeconds:0} s)"));
    if (!figures.TryGetValue(name, out var figure))
        figures[name] = figure = (unit, []);
    figure.Runs.Add(value);
}

var worker = new WorkerRuns(broker);
await using (var sink = await Sink.StartAsync(0))
await using (var failingSink = await Sink.StartAsync(0, failFirst: true))
{
    for (var run = 1; run <= runs; run++)
    {
        Console.Error.WriteLine($"loopback run {run}/{runs}");
        if (Wanted("broker"))
        {
            var (publish, consume) = await BrokerCeiling.MeasureAsync(broker, messages);
            Record("broker ceiling: confirmed publish (quorum queue)", "msgs/s", publish);
            Record("broker ceiling: consume + ack (quorum queue)", "msgs/s", consume);
        }
        if (Wanted("smtp"))
        {
            var (smtp, mailKitCpu) = await SmtpCeiling.MeasureAsync(sink.Port, PoolSize, messages);
            Record($"SMTP ceiling: MailKit, {PoolSize} pooled connections", "msgs/s", smtp);
            Record("SMTP ceiling: MailKit CPU per message", "ms", mailKitCpu);
        }
        if (Wanted("naive"))
            Record("naive baseline: MassTransit, connection per message", "msgs/s", await NaiveBaseline.MeasureAsync(broker, sink.Port, sink, NaiveMessages));
        if (Wanted("drain") || Wanted("latency"))
        {
            var drain = await worker.DrainAsync(sink, messages, PoolSize, Concurrency);
            Record($"EmailWorker end to end: drain {messages} queued messages", "msgs/s", drain.PerSecond);
            Record("EmailWorker CPU per message", "ms", drain.CpuMsPerMessage);
            Record("EmailWorker peak RSS while draining", "MiB", drain.PeakRssMiB);
            if (Wanted("latency"))
            {
                var latencies = await worker.LatenciesAsync(sink, drain.PerSecond / 2, warmUp: TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(8), PoolSize, Concurrency);
                Record("publish→250 latency p50 at half load", "ms", Figure.Percentile(latencies, 50));
                Record("publish→250 latency p95 at half load", "ms", Figure.Percentile(latencies, 95));
                Record("publish→250 latency p99 at half load", "ms", Figure.Percentile(latencies, 99));
            }
        }
        if (Wanted("retry"))
        {
            var retry = await worker.DrainAsync(failingSink, messages / 4, PoolSize, Concurrency, retrySchedule: "1s");
            Record($"retry path: {messages / 4} messages, each 451 once, retry after 1 s", "msgs/s", retry.PerSecond);
        }
        if (Wanted("replay"))
            Record($"replay: dlq replay --all of {ReplayMessages} dead letters", "msgs/s", await ReplayRun.MeasureAsync(broker, ReplayMessages));
        if (Wanted("deadletters"))
            await DeadLetterScale.MeasureAsync(broker, Option("--store-size", 1_000_000), Option("--ingest", 100_000), Record);
    }
}
await using (var remote = await Sink.StartAsync(RemoteDelayMs))
{
    for (var run = 1; run <= runs && Wanted("remote"); run++)
    {
        Console.Error.WriteLine($"remote-relay run {run}/{runs}");
        var (smtp, _) = await SmtpCeiling.MeasureAsync(remote.Port, RemotePool, RemoteMessages);
        Record($"remote relay ({RemoteDelayMs} ms/reply): MailKit ceiling, {RemotePool} connections", "msgs/s", smtp);
        Record($"remote relay: naive baseline", "msgs/s", await NaiveBaseline.MeasureAsync(broker, remote.Port, remote, NaiveRemoteMessages));
        var drain = await worker.DrainAsync(remote, RemoteMessages, RemotePool, RemotePool);
        Record($"remote relay: EmailWorker end to end, pool {RemotePool}", "msgs/s", drain.PerSecond);
    }
}

var table = figures.Select(f => new Figure(f.Key, f.Value.Unit, f.Value.Runs)).ToList();
double Median(string startsWith) => table.FirstOrDefault(f => f.Name.StartsWith(startsWith, StringComparison.Ordinal))?.Median ?? double.NaN;
var ratios = new Dictionary<string, double>
{
    ["endToEnd / min(brokerCeiling, smtpCeiling)"] = Median("EmailWorker end to end") / Math.Min(Median("broker ceiling: consume"), Median("SMTP ceiling: MailKit,")),
    ["endToEnd / smtpCeiling"] = Median("EmailWorker end to end") / Median("SMTP ceiling: MailKit,"),
    ["endToEnd / naive (loopback)"] = Median("EmailWorker end to end") / Median("naive baseline"),
    ["workerCpuPerMessage / mailKitCpuPerMessage"] = Median("EmailWorker CPU per message") / Median("SMTP ceiling: MailKit CPU"),
    ["remote: endToEnd / naive"] = Median("remote relay: EmailWorker") / Median("remote relay: naive"),
    ["remote: endToEnd / pool ceiling (connections ÷ per-message latency)"] = Median("remote relay: EmailWorker") / Median("remote relay ("),
    ["retry path / endToEnd"] = Median("retry path") / Median("EmailWorker end to end"),
}.Where(r => double.IsFinite(r.Value)).ToDictionary(); // with --only, the ratios whose figures were measured

Console.WriteLine($"EmailWorker benchmarks — {Environment.ProcessorCount} cores, {runs} runs each, median (min–max), {total.Elapsed.TotalMinutes:0.0} min");
foreach (var figure in table)
    Console.WriteLine(figure);
foreach (var (name, value) in ratios)
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio {name,-66} {value,8:0.00}"));
Console.WriteLine(JsonSerializer.Serialize(new
{
    cores = Environment.ProcessorCount,
    runs,
    messages,
    figures = table.ToDictionary(f => f.Name, f => new { median = Math.Round(f.Median, 2), min = Math.Round(f.Runs.Min(), 2), max = Math.Round(f.Runs.Max(), 2), unit = f.Unit }),
    ratios = ratios.ToDictionary(r => r.Key, r => Math.Round(r.Value, 3)),
}));
return 0;

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
