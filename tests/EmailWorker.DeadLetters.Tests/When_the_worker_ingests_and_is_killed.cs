using EmailWorker.Configuration;
using EmailWorker.Broker;
using Microsoft.Extensions.Options;
using EmailWorker.DeadLetters.Store;

namespace EmailWorker.DeadLetters.Tests;

/// <summary>
/// <c>emailworker run</c> as a real process ingests by default; killed with SIGKILL in the middle of a backlog and started
/// again, it leaves every letter stored exactly once and the dead-letter queue empty.
/// </summary>
[TestFixture]
[NonParallelizable]
[CancelAfter(300_000)]
public sealed class When_the_worker_ingests_and_is_killed
{
    private const int Letters = 20_000;

    [Test]
    public async Task Should_store_every_letter_exactly_once_after_a_restart(CancellationToken cancellation)
    {
        var (broker, _) = await ServersSetUp.BrokerAsync();
        var prefix = $"dk{Guid.NewGuid():N}"[..14];
        var directory = Directory.CreateTempSubdirectory("emailworker-run-").FullName;
        var environment = broker.WorkerEnvironment();
        environment["EMAILWORKER__TOPOLOGY__PREFIX"] = prefix;
        environment["EMAILWORKER__SMTP__HOST"] = "127.0.0.1";
        environment["EMAILWORKER__DEADLETTERS__DATADIRECTORY"] = directory;
        environment["EMAILWORKER__DEADLETTERS__INGESTBATCHSIZE"] = "100";
        var topology = new TopologyOptions { Prefix = prefix };
        var names = TopologyNames.From(topology, new RetryOptions());
        await using var connection = await broker.CreateFactory().CreateConnectionAsync(cancellation);
        try
        {
            await new TopologyDeclarer(names, Options.Create(topology)).DeclareAsync(connection, cancellation);
            await Traffic.PublishAsync(connection, names.Dead, Enumerable.Range(0, Letters).Select(Traffic.OurLetter), cancellation);
            await using var store = await SqliteDeadLetterStore.OpenAsync(directory, cancellation);
            var all = new LetterSelection { State = null };

            var first = WorkerRun.Start(environment);
            var started = await Traffic.EventuallyAsync(async () => await store.CountAsync(all, cancellation) >= Letters / 4, cancellation);
            first.KillHard();
            await first.TerminateAsync(TimeSpan.FromSeconds(10));
            var storedAtKill = await store.CountAsync(all, cancellation);
            await using var second = WorkerRun.Start(environment);
            var complete = await Traffic.EventuallyAsync(async () => await store.CountAsync(all, cancellation) >= Letters, cancellation);
            var drained = await Traffic.EventuallyAsync(async () => await QueueCounts.ReadAsync(broker, names.Dead, cancellation) is (0, 0), cancellation);
            var exitCode = await second.TerminateAsync(TimeSpan.FromSeconds(40));
            await first.DisposeAsync();

            Assert.Multiple(async () =>
            {
                Assert.That(started, Is.True, "the first worker ingested (by default) before it was killed");
                Assert.That(storedAtKill, Is.LessThan(Letters), "killed halfway");
                Assert.That(complete, Is.True, second.Output);
                Assert.That(drained, Is.True, "email.dead ends with nothing ready and nothing unacked");
                Assert.That(await Traffic.StoredIdsAsync(store, cancellation), Is.EqualTo(Traffic.OurIds(0, Letters)), "exactly once each");
                Assert.That(exitCode, Is.Zero, second.Output);
                Assert.That(second.Output, Does.Contain($"Ingesting dead letters from {prefix}.dead into SQLite {directory}"));
            });
        }
        finally
        {
            await Traffic.DeleteTopologyAsync(connection, names);
            Directory.Delete(directory, recursive: true);
        }
    }
}
