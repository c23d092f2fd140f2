using System.Globalization;
using EmailWorker.TestSupport;
using RabbitMQ.Client;

namespace EmailWorker.Benchmarks;

/// <summary>
/// The dead-letter store at scale (issue 12), on the default SQLite store, every command timed from process start to exit
/// with its peak RSS. The store is built from real ingestion: 10,000 letters go through the broker and the CLI's drain
/// (the ingester's mapping and batches), are copied inside SQLite up to <c>storeSize - ingested</c>
/// (<see cref="DeadLetterSeed"/>), and the last <c>ingested</c> go through the broker and are timed. Replay takes one
/// group (a tenth of the store); purge <c>--all</c> comes last. The dashboard is measured on the full store before the replay.
/// </summary>
internal static class DeadLetterScale
{
    private const int FirstLetters = 10_000;
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(15);
    private const int TimedRuns = 5;

    public static async Task MeasureAsync(BrokerEndpoint broker, int storeSize, int ingested, Action<string, string, double> record)
    {
        void Figure(string name, string unit, double value)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[deadletters] {name}: {value:0.###} {unit}"));
            record(name, unit, value);
        }
        Console.WriteLine($"[deadletters] load average at start: {File.ReadAllText("/proc/loadavg").Trim()}");
        var prefix = $"bench{Guid.NewGuid():N}"[..13];
        var folder = Directory.CreateTempSubdirectory("emailworker-bench-dlscale-");
        var storePath = Path.Combine(folder.FullName, "dead-letters.db");
        var environment = WorkerRuns.Environment(broker, prefix);
        environment["EMAILWORKER__DEADLETTERS__DATADIRECTORY"] = folder.FullName;
        async Task<CliRun> Cli(params string[] arguments)
        {
            var run = await CliRun.RunAsync(arguments, environment, CommandTimeout);
            if (run.ExitCode != 0)
                throw new InvalidOperationException($"emailworker {string.Join(' ', arguments)} exited with {run.ExitCode}: {run.StandardError}");
            return run;
        }
        async Task<CliRun> Drain(int count)
        {
            var run = await Cli("dlq", "list", "--limit", "1");
            if (!run.StandardError.Contains($"took {count} letter(s)", StringComparison.Ordinal))
                throw new InvalidOperationException($"dlq list did not take the {count} letters into the store: {run.StandardError}");
            return run;
        }
        try
        {
            await Cli("topology", "apply");
            await PublishAsync(broker, $"{prefix}.dead", prefix, 0, FirstLetters);
            await Drain(FirstLetters);
            var seed = await DeadLetterSeed.FillAsync(storePath, storeSize - ingested);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[deadletters] store seeded: {FirstLetters} letters ingested through the broker, copied inside SQLite to {storeSize - ingested} in {seed.TotalSeconds:0.0} s"));

            await PublishAsync(broker, $"{prefix}.dead", prefix, FirstLetters, ingested);
            var drain = await Drain(ingested);
            // The same command again with the queue empty: what the drain cost is the difference.
            var idle = await Cli("dlq", "list", "--limit", "1");
            Figure($"ingestion of {ingested} into {storeSize - ingested}: email.dead → store (dlq drain, process start to exit)", "letters/s",
                ingested / drain.Elapsed.TotalSeconds);
            Figure($"ingestion of {ingested} into {storeSize - ingested}: the drain alone (minus the command on an empty queue)", "letters/s",
                ingested / (drain.Elapsed - idle.Elapsed).TotalSeconds);
            Figure($"ingestion of {ingested} into {storeSize - ingested}: CLI CPU per letter (minus the command on an empty queue)", "ms",
                (drain.Cpu - idle.Cpu).TotalMilliseconds / ingested);

            var (letterId, groupKey) = await DeadLetterSeed.PickAsync(storePath);
            // The query alone: the command minus the same start-up, drain and store opening around a query an index answers
            // at once (no poison letters here). Each is run five times and the median run kept (by time): one figure that
            // neither the luckiest nor an unlucky run decides.
            async Task<CliRun> Median(params string[] arguments)
            {
                var runs = new List<CliRun>();
                for (var i = 0; i < TimedRuns; i++)
                    runs.Add(await Cli(arguments));
                return runs.OrderBy(r => r.Elapsed).ElementAt(TimedRuns / 2);
            }
            var baseline = await Median("dlq", "list", "--limit", "50", "--class", "poison");
            Figure($"a dlq command around an empty selection at {storeSize} (start-up, drain, opening the store): process start to exit", "s",
                baseline.Elapsed.TotalSeconds);
            foreach (var (name, arguments) in new (string, string[])[]
            {
                ("dlq list --limit 50", ["dlq", "list", "--limit", "50"]),
                ("dlq groups", ["dlq", "groups"]),
                ("dlq show <letterId>", ["dlq", "show", letterId]),
            })
            {
                var run = await Median(arguments);
                Figure($"{name} at {storeSize}: process start to exit", "s", run.Elapsed.TotalSeconds);
                Figure($"{name} at {storeSize}: the query (minus the command around an empty selection)", "s", (run.Elapsed - baseline.Elapsed).TotalSeconds);
                Figure($"{name} at {storeSize}: peak RSS", "MiB", run.PeakRssMiB);
            }

            await DashboardAtScale.MeasureAsync(environment, storeSize, letterId, Figure);

            var json = await Cli("dlq", "list", "--json");
            Figure($"dlq list --json of {storeSize}: process start to exit", "s", json.Elapsed.TotalSeconds);
            Figure($"dlq list --json of {storeSize}: peak RSS", "MiB", json.PeakRssMiB);

            var replay = await Cli("dlq", "replay", "--group", groupKey, "--yes");
            var replayed = storeSize / ScaleLetters.Groups;
            Figure($"dlq replay --group of {replayed} at {storeSize} (process start to exit)", "letters/s", replayed / replay.Elapsed.TotalSeconds);
            Figure($"dlq replay --group of {replayed} at {storeSize}: peak RSS", "MiB", replay.PeakRssMiB);
            // The machine is shared: the CLI's own CPU per letter says what it costs whatever the others do.
            Figure($"dlq replay --group of {replayed} at {storeSize}: CLI CPU per letter", "ms", replay.Cpu.TotalMilliseconds / replayed);

            var purge = await Cli("dlq", "purge", "--all", "--yes");
            Figure($"dlq purge --all of {storeSize - replayed}: process start to exit", "s", purge.Elapsed.TotalSeconds);
            Figure($"dlq purge --all of {storeSize - replayed}: peak RSS", "MiB", purge.PeakRssMiB);
        }
        finally
        {
            folder.Delete(recursive: true);
            await DeleteQueuesAsync(broker, prefix);
        }
    }

    private static async Task PublishAsync(BrokerEndpoint broker, string exchange, string prefix, int first, int count)
    {
        await using var connection = await broker.CreateFactory().CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true));
        var pending = new List<Task>(1000);
        for (var n = first; n < first + count; n++)
        {
            var (properties, body) = ScaleLetters.Letter(prefix, n);
            pending.Add(channel.BasicPublishAsync(exchange, "", mandatory: true, properties, body).AsTask());
            if (pending.Count == 1000)
            {
                await Task.WhenAll(pending);
                pending.Clear();
            }
        }
        await Task.WhenAll(pending);
    }

    private static async Task DeleteQueuesAsync(BrokerEndpoint broker, string prefix)
    {
        await using var connection = await broker.CreateFactory().CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        foreach (var queue in new[] { $"{prefix}.send", $"{prefix}.dead" })
            await channel.QueueDeleteAsync(queue);
    }
}
