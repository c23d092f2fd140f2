using System.Diagnostics;
using EmailWorker.TestSupport;
using RabbitMQ.Client;

namespace EmailWorker.Benchmarks;

/// <summary>
/// <c>emailworker dlq replay --all --yes</c> over a dead-letter queue of the given size, timed as an operator sees it: the
/// command takes the letters into a dead-letter store of its own (a fresh SQLite folder per run), then replays them as a job.
/// </summary>
internal static class ReplayRun
{
    public static async Task<double> MeasureAsync(BrokerEndpoint broker, int count)
    {
        var prefix = $"bench{Guid.NewGuid():N}"[..13];
        var environment = WorkerRuns.Environment(broker, prefix);
        var store = Directory.CreateTempSubdirectory("emailworker-bench-store-");
        environment["EMAILWORKER__DEADLETTERS__DATADIRECTORY"] = store.FullName;
        await using (var apply = ChildProcess.Start(Repository.Worker, ["topology", "apply"], environment))
            await apply.WaitForExitAsync(TimeSpan.FromMinutes(1));

        await using (var connection = await broker.CreateFactory().CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true)))
        {
            var properties = new BasicProperties
            {
                Persistent = true,
                ContentType = "application/json",
                Headers = new Dictionary<string, object?> { ["email-failure-class"] = "transient", ["email-failure-reason"] = "451 benchmark" },
            };
            await Messages.PublishAsync(channel, $"{prefix}.dead", "", Enumerable.Range(0, count).Select(i => $"{prefix}-{i}"), properties);
        }

        var clock = Stopwatch.StartNew();
        await using var replay = ChildProcess.Start(Repository.Worker, ["dlq", "replay", "--all", "--yes"], environment);
        var exitCode = await replay.WaitForExitAsync(TimeSpan.FromMinutes(5));
        var elapsed = clock.Elapsed;
        store.Delete(recursive: true);
        if (exitCode != 0)
            throw new InvalidOperationException($"dlq replay exited with {exitCode}");
        return count / elapsed.TotalSeconds;
    }
}
