using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using EmailWorker.DeadLetters.Store;
using EmailWorker.Delivery.Ledger;

namespace EmailWorker.DeadLetters.Tests;

[TestFixture]
public sealed class TmpLedgerCost
{
    [Test]
    public async Task Measure()
    {
        var dir = Directory.CreateTempSubdirectory("tmp-ledger-").FullName;
        await using var store = await SqliteDeadLetterStore.OpenAsync(dir, CancellationToken.None);
        const int N = 20000; const int B = 4;
        async Task Phase(string name, Func<int, Task> op)
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime; var sw = Stopwatch.StartNew();
            for (var i = 0; i < N; i += B) await op(i);
            var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
            TestContext.Out.WriteLine($"{name}: {used.TotalMilliseconds * 1000 / N:F1} us CPU/msg, {sw.Elapsed.TotalMilliseconds * 1000 / N:F1} us wall/msg");
        }
        for (var round = 0; round < 2; round++)
        {
            var p = $"r{round}-";
            await Phase("lookup", i => store.LookUpLedgerAsync([.. Enumerable.Range(i, B).Select(k => p + k)], CancellationToken.None));
            await Phase("claim", i => store.WriteLedgerAsync([.. Enumerable.Range(i, B).Select(k => LedgerWrite.Claiming(p + k, [$"x{k}@example.org"]))], DateTimeOffset.UtcNow, CancellationToken.None));
            await Phase("settle", i => store.WriteLedgerAsync([.. Enumerable.Range(i, B).Select(k => new LedgerWrite(p + k, [], [$"x{k}@example.org"], "250 2.0.0 Ok: queued as ABCDEF", []))], DateTimeOffset.UtcNow, CancellationToken.None));
        }
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new EmailWorker.Diagnostics.WorkerMetrics(Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(services), new EmailWorker.Configuration.TopologyNames("t", []));
        await using var commits = new EmailWorker.Worker.LedgerGroupCommit(new Src(store), metrics, TimeProvider.System);
        for (var round = 0; round < 3; round++)
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime; var sw = Stopwatch.StartNew();
            var next = -1;
            await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
            {
                int k;
                while ((k = Interlocked.Increment(ref next)) < N)
                {
                    var id = $"g{round}-{k}";
                    await commits.LookUpAsync(id).WaitAsync(TimeSpan.FromSeconds(10));
                    await commits.WriteAsync(LedgerWrite.Claiming(id, [$"x{k}@example.org"])).WaitAsync(TimeSpan.FromSeconds(10));
                    await commits.WriteAsync(new LedgerWrite(id, [], [$"x{k}@example.org"], "250 2.0.0 Ok: queued as ABCDEF", [])).WaitAsync(TimeSpan.FromSeconds(10));
                }
            })));
            var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
            TestContext.Out.WriteLine($"group 8: {used.TotalMilliseconds * 1000 / N:F1} us CPU/msg, {sw.Elapsed.TotalMilliseconds * 1000 / N:F1} us wall/msg");
        }
        Directory.Delete(dir, true);
    }

    private sealed class Src(ILedgerStore store) : ILedgerStoreSource
    {
        public Task<ILedgerStore> GetAsync(CancellationToken cancellationToken) => Task.FromResult(store);
    }
}
