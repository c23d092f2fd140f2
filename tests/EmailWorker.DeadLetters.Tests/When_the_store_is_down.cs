using EmailWorker.TestSupport;
using EmailWorker.Broker;
using EmailWorker.Configuration;
using Microsoft.Extensions.DependencyInjection;
using EmailWorker.DeadLetters.Store;

namespace EmailWorker.DeadLetters.Tests;

/// <summary>
/// A PostgreSQL store that goes down while the worker ingests: letters wait unacked (or ready) in <c>email.dead</c>, none is
/// acked without its commit, and when the database is back every letter is stored once.
/// </summary>
[TestFixture]
[NonParallelizable]
[CancelAfter(300_000)]
public sealed class When_the_store_is_down
{
    private const int Batch = 1_000;
    private const int StoreFailedEvent = 263;

    [Test]
    public async Task Should_ack_nothing_until_the_store_is_back(CancellationToken cancellation)
    {
        var (broker, _) = await ServersSetUp.BrokerAsync();
        // A cluster of its own: this test stops it.
        await using var cluster = await ThrowawayPostgresCluster.StartAsync(TimeSpan.FromSeconds(60));
        await cluster.CreateDatabaseAsync("outage");
        var prefix = $"do{Guid.NewGuid():N}"[..14];
        var logs = new LogCollector();
        var settings = IngestHost.Settings(broker, prefix);
        settings["DeadLetters:Store"] = "Postgres";
        settings["DeadLetters:ConnectionString"] = cluster.ConnectionString("outage");
        settings["DeadLetters:IngestBatchSize"] = "100";
        using var host = IngestHost.Build(settings, logs);
        var names = host.Services.GetRequiredService<TopologyNames>();
        await using var connection = await broker.CreateFactory().CreateConnectionAsync(cancellation);
        try
        {
            await host.Services.GetRequiredService<TopologyDeclarer>().DeclareAsync(connection, cancellation);
            var store = await host.Services.GetRequiredService<DeadLetterStoreProvider>().GetAsync(cancellation);
            var all = new LetterSelection { State = null };
            await host.StartAsync(cancellation);
            await Traffic.PublishAsync(connection, names.Dead, Enumerable.Range(0, Batch).Select(Traffic.OurLetter), cancellation);
            var before = await Traffic.EventuallyAsync(async () => await store.CountAsync(all, cancellation) == Batch, cancellation);

            await cluster.StopServerAsync();
            await Traffic.PublishAsync(connection, names.Dead, Enumerable.Range(Batch, Batch).Select(Traffic.OurLetter), cancellation);
            var failing = await Traffic.EventuallyAsync(() => Task.FromResult(logs.Logged(StoreFailedEvent)), cancellation);
            (long Ready, long Unacked)? held = null;
            var heldAll = await Traffic.EventuallyAsync(async () =>
                (held = await QueueCounts.ReadAsync(broker, names.Dead, cancellation)) is { } counts && counts.Ready + counts.Unacked == Batch && counts.Unacked > 0,
                cancellation);
            await cluster.StartServerAsync(TimeSpan.FromSeconds(60));
            var after = await Traffic.EventuallyAsync(async () => await CountOrZeroAsync(store, all, cancellation) == 2 * Batch, cancellation);
            var drained = await Traffic.EventuallyAsync(async () => await QueueCounts.ReadAsync(broker, names.Dead, cancellation) is (0, 0), cancellation);
            await host.StopAsync(cancellation);

            Assert.Multiple(async () =>
            {
                Assert.That(before, Is.True, "stored while the database was up");
                Assert.That(failing, Is.True, "the ingester met the outage");
                Assert.That(heldAll, Is.True, $"every letter of the outage still in the queue, some held by the ingester: {held}");
                Assert.That(after, Is.True, logs.Text);
                Assert.That(drained, Is.True, "email.dead ends with nothing ready and nothing unacked");
                Assert.That(await Traffic.StoredIdsAsync(store, cancellation), Is.EqualTo(Traffic.OurIds(0, 2 * Batch)), "exactly once each");
            });
        }
        finally
        {
            await Traffic.DeleteTopologyAsync(connection, names);
        }
    }

    /// <summary>The count, or 0 while the database still refuses (it takes a moment to accept again).</summary>
    private static async Task<long> CountOrZeroAsync(IDeadLetterStore store, LetterSelection filter, CancellationToken cancellation)
    {
        try
        {
            return await store.CountAsync(filter, cancellation);
        }
        catch (Npgsql.NpgsqlException)
        {
            return 0;
        }
    }
}
