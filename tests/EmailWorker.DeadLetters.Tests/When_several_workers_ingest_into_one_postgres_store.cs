using EmailWorker.Broker;
using EmailWorker.Configuration;
using EmailWorker.DeadLetters.Ingest;
using EmailWorker.DeadLetters.Store;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EmailWorker.DeadLetters.Tests;

/// <summary>
/// A PostgreSQL store is shared (docs/deployment.md: one rule for the store): every worker may ingest <c>email.dead</c> into
/// it. Two composed workers consume the queue at once while it carries each letter twice (as a redelivery after a lost ack
/// would) and some letters are stored already: the store must hold each letter once, and the queue end empty.
/// </summary>
[NonParallelizable]
[CancelAfter(180_000)]
public sealed class When_several_workers_ingest_into_one_postgres_store
{
    private const int Letters = 3_000;
    private const int StoredBefore = 300;

    [Test]
    public async Task Should_store_every_letter_once_whichever_worker_took_it(CancellationToken cancellation)
    {
        var (broker, _) = await ServersSetUp.BrokerAsync();
        var cluster = await ServersSetUp.PostgresAsync();
        var database = $"shared_{Guid.NewGuid():N}";
        await cluster.CreateDatabaseAsync(database);
        var prefix = $"dl{Guid.NewGuid():N}"[..14];
        var directories = new List<string>();
        var hosts = new List<IHost>();
        for (var i = 0; i < 2; i++)
        {
            var directory = Directory.CreateTempSubdirectory("emailworker-shared-").FullName;
            directories.Add(directory);
            var settings = IngestHost.Settings(broker, prefix);
            settings["DeadLetters:DataDirectory"] = directory;
            settings["DeadLetters:Store"] = "Postgres";
            settings["DeadLetters:ConnectionString"] = cluster.ConnectionString(database);
            hosts.Add(IngestHost.Build(settings));
        }
        var names = hosts[0].Services.GetRequiredService<TopologyNames>();
        await using var connection = await broker.CreateFactory().CreateConnectionAsync(cancellation);
        try
        {
            await hosts[0].Services.GetRequiredService<TopologyDeclarer>().DeclareAsync(connection, cancellation);
            var letters = Enumerable.Range(0, Letters).Select(Traffic.OurLetter).ToList();
            var store = await hosts[0].Services.GetRequiredService<DeadLetterStoreProvider>().GetAsync(cancellation);
            await store.InsertAsync([.. letters.Take(StoredBefore).Select(l => DeadLetterMapper.Map(l.Properties, l.Body, DateTimeOffset.UtcNow))],
                cancellation);
            foreach (var host in hosts)
                await host.StartAsync(cancellation);
            await using (var channel = await connection.CreateChannelAsync(cancellationToken: cancellation))
            {
                var bothConsume = await Traffic.EventuallyAsync(async () => await channel.ConsumerCountAsync(names.Dead, cancellation) == 2, cancellation);
                Assert.That(bothConsume, Is.True, "both workers consume email.dead before the letters arrive");
            }

            // Each letter twice, the copies apart: the two consumers take turns, so copies of one letter meet in both.
            await Traffic.PublishAsync(connection, names.Dead, letters.Concat(letters.AsEnumerable().Reverse()), cancellation);
            var drained = await Traffic.EventuallyAsync(async () => await QueueCounts.ReadAsync(broker, names.Dead, cancellation) is (0, 0), cancellation);
            foreach (var host in hosts)
                await host.StopAsync(cancellation);

            Assert.Multiple(async () =>
            {
                Assert.That(drained, Is.True, "email.dead ends with nothing ready and nothing unacked");
                Assert.That(await Traffic.StoredIdsAsync(store, cancellation), Is.EqualTo(Traffic.OurIds(0, Letters)), "each letter exactly once");
            });
        }
        finally
        {
            foreach (var host in hosts)
                host.Dispose();
            await Traffic.DeleteTopologyAsync(connection, names);
            await cluster.DropDatabaseAsync(database);
            foreach (var directory in directories)
                Directory.Delete(directory, recursive: true);
        }
    }
}
