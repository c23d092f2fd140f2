using EmailWorker.TestSupport;

namespace EmailWorker.Benchmarks;

/// <summary>
/// The suppression list's look-up at scale (issue 25: ≤ 2 % of the drain at a million entries): a list of
/// <c>listSize</c> entries (nine addresses to one <c>*@domain</c>, none of them a recipient of the batch, so every message
/// is looked up and sent) is filled with <c>suppress import</c> (timed, with its peak RSS), then the shipped drain runs
/// with that list (the filter in memory on, as shipped, and off: every message a query), and with an empty one, in
/// rotating order each run; each drain with the list on a copy of the imported store, so each has a ledger of its own.
/// On a shared machine two drains differ by far more than 2 % from run to run, so the figure held to the target is measured
/// within each drain: the mean look-up (<c>emailworker_suppression_lookup_duration_seconds</c>) over the mean handling of a
/// message (<c>messaging_process_duration_seconds</c>: read, look-ups, SMTP, moves), both from the worker's /metrics at its end.
/// </summary>
internal static class SuppressionScale
{
    private static readonly TimeSpan ImportTimeout = TimeSpan.FromMinutes(30);

    public static async Task MeasureAsync(BrokerEndpoint broker, WorkerRuns worker, Sink sink, int listSize, Func<Batch> batch, int runs, int poolSize,
        int concurrency, Action<string, string, double> record)
    {
        var full = Directory.CreateTempSubdirectory("emailworker-bench-suppress-");
        var empties = new List<DirectoryInfo>();
        try
        {
            var file = Path.Combine(full.FullName, "list.csv");
            await using (var writer = new StreamWriter(file))
            {
                await writer.WriteLineAsync("address,reason,sourceMessageId");
                for (var i = 0; i < listSize; i++)
                    await writer.WriteLineAsync(i % 10 == 9 ? $"*@gone{i:D7}.test,manual," : $"s{i:D7}@list.test,hard_bounce,bench-{i}");
            }
            var environment = WorkerRuns.Environment(broker, "bench-suppress");
            environment["EMAILWORKER__DEADLETTERS__DATADIRECTORY"] = full.FullName;
            var import = await CliRun.RunAsync(["suppress", "import", file], environment, ImportTimeout);
            if (import.ExitCode != 0)
                throw new InvalidOperationException($"suppress import exited with {import.ExitCode}: {import.StandardError}");
            File.Delete(file);
            record($"suppress import of {listSize} entries (process start to exit)", "entries/s", listSize / import.Elapsed.TotalSeconds);
            record($"suppress import of {listSize} entries: peak RSS", "MiB", import.PeakRssMiB);

            for (var run = 1; run <= runs; run++)
            {
                Console.Error.WriteLine($"suppression run {run}/{runs}");
                var rates = new Dictionary<Variant, double>();
                var variants = new[] { Variant.Filtered, Variant.Queried, Variant.Empty };
                foreach (var variant in variants.Skip((run - 1) % variants.Length).Concat(variants.Take((run - 1) % variants.Length)))
                {
                    var folder = Directory.CreateTempSubdirectory("emailworker-bench-suppress-drain-");
                    empties.Add(folder);
                    if (variant != Variant.Empty)
                        foreach (var stored in full.GetFiles())
                            stored.CopyTo(Path.Combine(folder.FullName, stored.Name));
                    var drain = await worker.DrainAsync(sink, batch(), poolSize, concurrency, extraEnvironment: new Dictionary<string, string>
                    {
                        ["EMAILWORKER__DEADLETTERS__DATADIRECTORY"] = folder.FullName,
                        ["EMAILWORKER__SUPPRESSION__FILTER"] = variant == Variant.Queried ? "false" : "true",
                    });
                    var label = variant switch
                    {
                        Variant.Filtered => $"suppression list of {listSize} entries",
                        Variant.Queried => $"suppression list of {listSize} entries, filter off",
                        _ => "suppression list empty",
                    };
                    record($"EmailWorker, {label}", "msgs/s", drain.PerSecond);
                    record($"EmailWorker CPU per message, {label}", "ms", drain.CpuMsPerMessage);
                    record($"EmailWorker peak RSS, {label}", "MiB", drain.PeakRssMiB);
                    rates[variant] = drain.PerSecond;
                    var lookup = MeanSeconds(drain.Metrics, "emailworker_suppression_lookup_duration_seconds");
                    record($"suppression look-up, mean, {label}", "µs", lookup * 1e6);
                    record($"suppression look-up ÷ a message's handling time, {label}", "%",
                        lookup / MeanSeconds(drain.Metrics, "messaging_process_duration_seconds") * 100);
                }
                // Time per message with the list over time per message without it, less one: what the look-up adds to the drain.
                record("drain's time per message with the list over without, less one (run pair)", "%", (rates[Variant.Empty] / rates[Variant.Filtered] - 1) * 100);
            }
        }
        finally
        {
            foreach (var folder in empties.Append(full))
                folder.Delete(recursive: true);
        }
    }

    /// <summary>The million entries with the filter as shipped, the same with every message a query, no entries.</summary>
    private enum Variant
    {
        Filtered,
        Queried,
        Empty,
    }

    /// <summary>A histogram's sum over its count in Prometheus text, every label set together.</summary>
    private static double MeanSeconds(string? metrics, string histogram)
    {
        double Total(string series) => (metrics ?? throw new InvalidOperationException("the drain kept no /metrics"))
            .Split('\n').Where(line => line.StartsWith(series + "{", StringComparison.Ordinal) || line.StartsWith(series + " ", StringComparison.Ordinal))
            .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        var count = Total(histogram + "_count");
        return count > 0 ? Total(histogram + "_sum") / count : throw new InvalidOperationException($"the worker recorded no {histogram}");
    }
}
