using System.Diagnostics;
using System.Globalization;
using EmailWorker.Benchmarks;
using EmailWorker.TestSupport;

// Benchmarks: EmailWorker end to end against this machine's broker and SMTP ceilings and the peers a user would pick
// instead (a tuned MassTransit consumer, Postfix, a naive MassTransit consumer), all measured in one run on the same
// machine, message and sink. Prints a table, the ratios against the targets, and one JSON line.
// Also: peer tuned|naive … — one .NET peer as a process of its own (PeerProcess), started by the benchmark itself.
if (args is ["peer", ..])
    return await PeerProcess.RunAsync(args[1..]);

// Usage: [--runs N] [--messages N] [--store-runs N] [--store-size N] [--ingest N] [--only group,group] (groups: broker, smtp, naive, tuned, postfix, drain, observability,
// ledger, webhooks, logging, memory, jit, latency, retry, replay, deadletters, suppression, lanes, remote, oneflight, throttle, sweep; all when left out — for profiling one path).
// lanes: a bulk backlog of 100,000 (or --messages N when given) and high messages published during its drain.
// --suppression-size N (default 1000000): the suppression list's entries in the suppression group.
// --throttle-messages N (default 600): the size of the throttling-relay drains.
var runs = Option("--runs", 3);
var messages = Option("--messages", 20_000);
var only = OnlyGroups();
const int PoolSize = 4, Concurrency = 8, RemotePool = 128, RemoteDelayMs = 20, ReplayMessages = 10_000;
// Every peer drains a warm-up batch in the same process before its measured messages: warm code for all, and start-up
// outside every window. At the remote relay every peer drains the same number of messages.
var warmUp = Math.Min(2000, messages);
var remoteMessages = Math.Min(6000, messages);
var remoteWarmUp = Math.Min(warmUp, remoteMessages / 3);
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
        if (Wanted("oneflight"))
        {
            var (oneFlight, oneFlightCpu) = await OneFlightProbe.MeasureAsync(sink.Port, PoolSize, warmUp, messages * 2);
            table.Record($"one-flight probe (MAIL+RCPT+BDAT LAST+body, 1 round trip), {PoolSize} connections", "msgs/s", oneFlight);
            table.Record("one-flight probe CPU per message", "ms", oneFlightCpu);
        }
        // The worker and the tuned peer, and observability off and on, change places every run: drift on the machine or
        // the broker over a run then weighs on each side alike instead of always on the one that runs second.
        var workerFirst = run % 2 == 1;
        if (workerFirst)
            await WorkerDrainAsync();
        if (Wanted("tuned"))
        {
            var (tuned, tunedCpu, tunedTrips) = await TunedMassTransit.MeasureAsync(broker, sink, Batch.Create(warmUp, messages), PoolSize, Concurrency);
            table.Record($"tuned MassTransit: quorum, prefetch {Concurrency * 4}, concurrency {Concurrency}, pool {PoolSize}", "msgs/s", tuned);
            table.Record("tuned MassTransit CPU per message", "ms", tunedCpu);
            table.Record("round trips per message: tuned MassTransit (MailKit, PIPELINING + CHUNKING offered)", "", tunedTrips);
        }
        if (!workerFirst)
            await WorkerDrainAsync();
        if (Wanted("naive"))
        {
            var naive = await NaiveBaseline.MeasureAsync(broker, sink, Batch.Create(warmUp, messages));
            table.Record("naive MassTransit: defaults, connection per message", "msgs/s", naive.PerSecond);
            table.Record("round trips per message: naive MassTransit (connect, EHLO, send, QUIT)", "", naive.RoundTrips);
        }
        if (postfix is not null)
        {
            var (relayed, postfixTrips) = await postfix.MeasureAsync(sink, Batch.Create(warmUp, messages), Concurrency);
            table.Record("Postfix: relaying its filled queue (defaults)", "msgs/s", relayed);
            table.Record("round trips per message: Postfix relaying", "", postfixTrips);
        }
        if (Wanted("observability"))
        {
            // Same run, back to back, in alternating order: the shipped default (metrics) is the drain above; these two bracket it.
            foreach (var telemetry in workerFirst ? [WorkerRuns.Telemetry.Off, WorkerRuns.Telemetry.MetricsAndTraces] : new[] { WorkerRuns.Telemetry.MetricsAndTraces, WorkerRuns.Telemetry.Off })
            {
                var drained = await worker.DrainAsync(sink, Batch.Create(warmUp, messages), PoolSize, Concurrency, telemetry: telemetry);
                var label = telemetry == WorkerRuns.Telemetry.Off ? "metrics and tracing off" : "metrics scraped + traces to OTLP";
                table.Record($"EmailWorker, {label}", "msgs/s", drained.PerSecond);
                table.Record($"EmailWorker CPU per message, {label}", "ms", drained.CpuMsPerMessage);
                table.Record($"EmailWorker peak RSS, {label}", "MiB", drained.PeakRssMiB);
            }
        }
        // The shipped configuration keeps the delivered ledger (SQLite, group commit); this is the drain without it.
        if (Wanted("ledger"))
        {
            await VariantAsync(sink, "delivered ledger off (shipped: on)", "ledger off", "EMAILWORKER__DELIVERY__LEDGER", "false");
            // The same pair with appsettings.json's pool and concurrency (adaptive, up to 256 handlers), as a user runs it:
            // at 8 handlers every handler waits for the ledger's commits in turn; at 256 those waits overlap.
            var ledgerOff = new Dictionary<string, string> { ["EMAILWORKER__DELIVERY__LEDGER"] = "false" };
            foreach (var off in workerFirst ? [false, true] : new[] { true, false })
            {
                var drained = await worker.DrainAsync(sink, Batch.Create(warmUp, messages), WorkerRuns.Shipped, WorkerRuns.Shipped,
                    extraEnvironment: off ? ledgerOff : null);
                var label = off ? "ledger off" : "ledger on";
                table.Record($"EmailWorker as shipped (appsettings.json), {label}", "msgs/s", drained.PerSecond);
                table.Record($"EmailWorker as shipped (appsettings.json), CPU per message, {label}", "ms", drained.CpuMsPerMessage);
            }
        }
        // The shipped configuration checks the suppression list before every attempt (one look-up per message); without it.
        if (Wanted("suppression"))
            await VariantAsync(sink, "suppression list off (shipped: on)", "suppression list off", "EMAILWORKER__SUPPRESSION__ENABLED", "false");
        // Webhooks on: one endpoint wanting every email.delivered, a loopback receiver answering 204 (docs/webhooks.md).
        if (Wanted("webhooks"))
        {
            using var receiver = new WebhookReceiver();
            var drained = await worker.DrainAsync(sink, Batch.Create(warmUp, messages), PoolSize, Concurrency, extraEnvironment: new Dictionary<string, string>
            {
                ["EMAILWORKER__WEBHOOKS__ALLOWLOOPBACKHTTP"] = "true",
                ["EMAILWORKER__WEBHOOKS__ENDPOINTS__0__NAME"] = "bench",
                ["EMAILWORKER__WEBHOOKS__ENDPOINTS__0__URL"] = $"http://127.0.0.1:{receiver.Port}/hooks",
                ["EMAILWORKER__WEBHOOKS__ENDPOINTS__0__SECRETS__0"] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                ["EMAILWORKER__WEBHOOKS__ENDPOINTS__0__EVENTTYPES__0"] = "email.delivered",
            });
            table.Record("EmailWorker, webhooks on (one endpoint, every email.delivered)", "msgs/s", drained.PerSecond);
            table.Record("EmailWorker CPU per message, webhooks on", "ms", drained.CpuMsPerMessage);
            table.Record("webhooks received by the end of the drain", "", receiver.Received);
        }
        // The shipped configuration logs each delivery at Information; this is what that line costs.
        if (Wanted("logging"))
            await VariantAsync(sink, "logging at Warning (shipped: Information)", "logging at Warning", "EMAILWORKER__SERILOG__MINIMUMLEVEL__DEFAULT", "Warning");
        // The worker ships with server GC (DATAS, which sizes the first generation's budget from the live data); this is
        // workstation GC, the .NET default, whose budget follows the CPU's cache — most of its peak RSS.
        if (Wanted("memory"))
            table.Record("EmailWorker peak RSS, workstation GC", "MiB",
                (await VariantAsync(sink, "workstation GC (.NET default)", "workstation GC", "DOTNET_gcServer", "0")).PeakRssMiB);
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
        if (Wanted("lanes"))
        {
            var lanesBulk = args.Contains("--messages") ? messages : 100_000;
            var lanes = await LanesDrain.MeasureAsync(broker, worker, sink, lanesBulk);
            table.Record($"lanes: high publish→250 p50, {lanesBulk} bulk queued (shipped settings)", "ms", Figure.Percentile(lanes.HighLatencies, 50));
            table.Record($"lanes: high publish→250 p99, {lanesBulk} bulk queued", "ms", Figure.Percentile(lanes.HighLatencies, 99));
            table.Record($"lanes: high publish→250 max, {lanesBulk} bulk queued", "ms", lanes.HighLatencies[^1]);
            table.Record("lanes: high messages measured", "", lanes.HighLatencies.Length);
            table.Record("lanes: bulk drain while high was published", "msgs/s", lanes.BulkPerSecond);
            table.Record("lanes: topology apply, every lane's queues and tiers (process start included)", "s", lanes.TopologyApply.TotalSeconds);
        }
    }
    // The list is imported once (a million entries take a while), then drained against with and without it --runs times.
    if (Wanted("suppression"))
        await SuppressionScale.MeasureAsync(broker, worker, sink, Option("--suppression-size", 1_000_000), () => Batch.Create(warmUp, messages), runs,
            PoolSize, Concurrency, table.Record);

    async Task WorkerDrainAsync()
    {
        if (!Wanted("drain") && !Wanted("latency"))
            return;
        var drain = await worker.DrainAsync(sink, Batch.Create(warmUp, messages), PoolSize, Concurrency);
        table.Record($"EmailWorker end to end: pool {PoolSize}, concurrency {Concurrency}", "msgs/s", drain.PerSecond);
        table.Record("EmailWorker CPU per message", "ms", drain.CpuMsPerMessage);
        table.Record("EmailWorker peak RSS while draining", "MiB", drain.PeakRssMiB);
        table.Record("round trips per message: EmailWorker (PIPELINING + CHUNKING offered)", "", drain.RoundTrips);
        if (Wanted("latency"))
        {
            var latencies = await worker.LatenciesAsync(sink, drain.PerSecond / 2, warmUp: TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(8), PoolSize, Concurrency);
            table.Record("publish→250 latency p50 at half load", "ms", Figure.Percentile(latencies, 50));
            table.Record("publish→250 latency p95 at half load", "ms", Figure.Percentile(latencies, 95));
            table.Record("publish→250 latency p99 at half load", "ms", Figure.Percentile(latencies, 99));
        }
    }
}
// The million-letter store takes minutes to build and to measure, so it runs --store-runs times (default 1), not --runs.
for (var run = 1; run <= Option("--store-runs", 1) && Wanted("deadletters"); run++)
    await DeadLetterScale.MeasureAsync(broker, Option("--store-size", 1_000_000), Option("--ingest", 100_000), table.Record);
if (Wanted("remote"))
{
    await using var remote = await Sink.StartAsync(RemoteDelayMs);
    await using var remotePostfix = Wanted("postfix") ? await StartPostfixAsync(remote.Port, RemotePool) : null;
    // At 4 connections a 20 ms relay bounds a drain at 4 ÷ (round trips × 20 ms): fewer messages, the same for both sides.
    var fewConnectionsMessages = Math.Min(remoteMessages, 1500);
    var fewConnectionsWarmUp = Math.Min(remoteWarmUp, 200);
    for (var run = 1; run <= runs; run++)
    {
        Console.Error.WriteLine($"remote-relay run {run}/{runs}");
        var workerFirst = run % 2 == 1;
        var (smtp, _) = await SmtpCeiling.MeasureAsync(remote.Port, RemotePool, remoteWarmUp, remoteMessages);
        table.Record($"remote relay ({RemoteDelayMs} ms/reply): MailKit ceiling, {RemotePool} connections", "msgs/s", smtp);
        if (Wanted("oneflight"))
        {
            table.Record($"remote relay: MailKit ceiling, {PoolSize} connections", "msgs/s",
                (await SmtpCeiling.MeasureAsync(remote.Port, PoolSize, fewConnectionsWarmUp, fewConnectionsMessages)).PerSecond);
            table.Record($"remote relay: one-flight probe, {PoolSize} connections", "msgs/s",
                (await OneFlightProbe.MeasureAsync(remote.Port, PoolSize, fewConnectionsWarmUp, fewConnectionsMessages)).PerSecond);
        }
        foreach (var (pool, count, warm) in new[] { (RemotePool, remoteMessages, remoteWarmUp), (PoolSize, fewConnectionsMessages, fewConnectionsWarmUp) })
        {
            for (var side = 0; side < 2; side++)
            {
                if ((side == 0) == workerFirst)
                {
                    var drain = await worker.DrainAsync(remote, Batch.Create(warm, count), pool, pool);
                    table.Record($"remote relay: EmailWorker end to end, pool {pool}, concurrency {pool}", "msgs/s", drain.PerSecond);
                    table.Record($"remote relay: round trips per message, EmailWorker, pool {pool}", "", drain.RoundTrips);
                }
                else
                {
                    var tuned = await TunedMassTransit.MeasureAsync(broker, remote, Batch.Create(warm, count), pool, pool);
                    table.Record($"remote relay: tuned MassTransit, pool {pool}, concurrency {pool}", "msgs/s", tuned.PerSecond);
                    table.Record($"remote relay: round trips per message, tuned MassTransit, pool {pool}", "", tuned.RoundTrips);
                }
            }
        }
        table.Record($"remote relay: naive MassTransit, concurrency {RemotePool}", "msgs/s",
            (await NaiveBaseline.MeasureAsync(broker, remote, Batch.Create(remoteWarmUp, remoteMessages), RemotePool)).PerSecond);
        table.Record("remote relay: naive MassTransit at its default concurrency", "msgs/s",
            (await NaiveBaseline.MeasureAsync(broker, remote, Batch.Create(remoteWarmUp, remoteMessages))).PerSecond);
        if (remotePostfix is not null)
            table.Record($"remote relay: Postfix, {RemotePool} relay connections", "msgs/s", (await remotePostfix.MeasureAsync(remote, Batch.Create(remoteWarmUp, remoteMessages), Concurrency)).PerSecond);
    }
}

// The delivered ledger where the relay is far away (20 ms a reply), as a worker mostly meets it: as shipped and at the
// shipped pool of 4 connections, ledger on and off in alternating order, equal message counts.
if (Wanted("ledger-remote"))
{
    await using var remote = await Sink.StartAsync(RemoteDelayMs);
    var ledgerOff = new Dictionary<string, string> { ["EMAILWORKER__DELIVERY__LEDGER"] = "false" };
    for (var run = 1; run <= runs; run++)
    {
        Console.Error.WriteLine($"remote-relay ledger run {run}/{runs}");
        foreach (var off in run % 2 == 1 ? [false, true] : new[] { true, false })
        {
            var label = off ? "ledger off" : "ledger on";
            var shipped = await worker.DrainAsync(remote, Batch.Create(remoteWarmUp, remoteMessages), WorkerRuns.Shipped, WorkerRuns.Shipped,
                extraEnvironment: off ? ledgerOff : null);
            table.Record($"remote relay: EmailWorker as shipped, {label}", "msgs/s", shipped.PerSecond);
            var few = await worker.DrainAsync(remote, Batch.Create(Math.Min(remoteWarmUp, 200), Math.Min(remoteMessages, 1500)), PoolSize, PoolSize,
                extraEnvironment: off ? ledgerOff : null);
            table.Record($"remote relay: EmailWorker pool {PoolSize}, concurrency {PoolSize}, {label}", "msgs/s", few.PerSecond);
        }
    }
}

if (Wanted("sweep"))
{
    // (c) the 20 ms remote relay: the worker as shipped (appsettings.json: adaptive on, starting at 4 connections under a
    // ceiling of 128) against the best fixed setting a sweep finds (adaptive off, pool = concurrency), equal message counts:
    // --messages (not the remote group's 6,000, which the best settings drain in 2 s: a start, not a drain). The shipped
    // worker's learning is part of its figure: the warm-up is short.
    await using var remote = await Sink.StartAsync(RemoteDelayMs);
    var sweepMessages = messages;
    var sweepWarmUp = Math.Min(remoteWarmUp, 200);
    int[] pools = [4, 16, 64, RemotePool];
    var adaptiveOff = new Dictionary<string, string> { ["EMAILWORKER__SMTP__ADAPTIVE__ENABLED"] = "false" };
    for (var run = 1; run <= runs; run++)
    {
        Console.Error.WriteLine($"remote-relay sweep run {run}/{runs}");
        var shipped = await worker.DrainAsync(remote, Batch.Create(sweepWarmUp, sweepMessages), WorkerRuns.Shipped, WorkerRuns.Shipped);
        table.Record("remote relay sweep: EmailWorker as shipped (appsettings.json, adaptive)", "msgs/s", shipped.PerSecond);
        var best = 0.0;
        foreach (var pool in run % 2 == 1 ? pools : pools.Reverse())
        {
            var fixedDrain = await worker.DrainAsync(remote, Batch.Create(sweepWarmUp, sweepMessages), pool, pool, extraEnvironment: adaptiveOff);
            table.Record($"remote relay sweep: EmailWorker fixed, pool {pool}, concurrency {pool}, adaptive off", "msgs/s", fixedDrain.PerSecond);
            best = Math.Max(best, fixedDrain.PerSecond);
        }
        table.Record("remote relay sweep: best fixed setting", "msgs/s", best);
        // Whether adaptation finds the best setting itself when the ceiling allows it.
        var ceiling = await worker.DrainAsync(remote, Batch.Create(sweepWarmUp, sweepMessages), RemotePool, RemotePool);
        table.Record($"remote relay sweep: EmailWorker adaptive, ceiling pool {RemotePool}, concurrency {RemotePool}", "msgs/s", ceiling.PerSecond);
    }
}

if (Wanted("throttle"))
{
    // (a) a relay allowing R transactions a second and C connections; (b) the same relay's rate halved after a quarter of
    // the messages and restored after half. The worker and the tuned MassTransit peer change places every run.
    // (c), the remote relay's sweep, is --only sweep.
    const int Rate = 40, Connections = 3;
    var throttleMessages = Option("--throttle-messages", 600);
    var steady = ThrottledRelay.SinkLimits(Rate, Connections, []).ToArray();
    var halved = ThrottledRelay.SinkLimits(Rate, Connections, [(throttleMessages / 4, Rate / 2), (throttleMessages / 2, Rate)]).ToArray();
    var relay = $"throttling relay ({Rate}/s, {Connections} connections, {throttleMessages} messages)";
    for (var run = 1; run <= runs; run++)
    {
        Console.Error.WriteLine($"throttling-relay run {run}/{runs}");
        for (var side = 0; side < 2; side++)
        {
            if ((side == 0) == (run % 2 == 1))
            {
                var drained = await ThrottledRelay.WorkerAsync(broker, worker, steady, Rate, throttleMessages);
                table.Record($"{relay}: EmailWorker drain", "msgs/s", drained.PerSecond);
                table.Record("throttling relay: EmailWorker drain ÷ R", "", drained.Delivered / drained.Allowed);
                table.Record("throttling relay: EmailWorker refusals ÷ messages", "", (double)drained.Refusals / throttleMessages);
                table.Record("throttling relay: EmailWorker dead letters", "", drained.Failed);
                table.Record("throttling relay: EmailWorker refused over the rate", "", drained.RateRefusals);
                table.Record("throttling relay: EmailWorker connections refused", "", drained.ConnectionRefusals);
            }
            else
            {
                var tuned = await ThrottledRelay.TunedMassTransitAsync(broker, steady, Rate, Connections, throttleMessages);
                table.Record($"{relay}: tuned MassTransit (pool {Connections}, 10 retries 100 ms–5 s) drain", "msgs/s", tuned.PerSecond);
                table.Record("throttling relay: tuned MassTransit drain ÷ R", "", tuned.Delivered / tuned.Allowed);
                table.Record("throttling relay: tuned MassTransit refusals ÷ messages", "", (double)tuned.Refusals / throttleMessages);
                table.Record("throttling relay: tuned MassTransit failed (_error)", "", tuned.Failed);
            }
        }
        for (var side = 0; side < 2; side++)
        {
            if ((side == 0) == (run % 2 == 1))
            {
                var followed = await ThrottledRelay.WorkerAsync(broker, worker, halved, Rate, throttleMessages);
                table.Record($"limit halved ({Rate} → {Rate / 2}/s after {throttleMessages / 4}) and restored (after {throttleMessages / 2}): EmailWorker drain", "msgs/s", followed.PerSecond);
                table.Record("limit halved and restored: EmailWorker throughput ÷ allowed", "", followed.Delivered / followed.Allowed);
                table.Record("limit halved and restored: EmailWorker time to follow the restored rate", "s", followed.FollowSeconds);
                table.Record("limit halved and restored: EmailWorker refusals ÷ messages", "", (double)followed.Refusals / throttleMessages);
                table.Record("limit halved and restored: EmailWorker dead letters", "", followed.Failed);
                table.Record("limit halved and restored: EmailWorker refused over the rate", "", followed.RateRefusals);
                table.Record("limit halved and restored: EmailWorker connections refused", "", followed.ConnectionRefusals);
            }
            else
            {
                var tuned = await ThrottledRelay.TunedMassTransitAsync(broker, halved, Rate, Connections, throttleMessages);
                table.Record("limit halved and restored: tuned MassTransit drain", "msgs/s", tuned.PerSecond);
                table.Record("limit halved and restored: tuned MassTransit throughput ÷ allowed", "", tuned.Delivered / tuned.Allowed);
                table.Record("limit halved and restored: tuned MassTransit time to follow the restored rate", "s", tuned.FollowSeconds);
                table.Record("limit halved and restored: tuned MassTransit refusals ÷ messages", "", (double)tuned.Refusals / throttleMessages);
                table.Record("limit halved and restored: tuned MassTransit failed (_error)", "", tuned.Failed);
            }
        }
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
