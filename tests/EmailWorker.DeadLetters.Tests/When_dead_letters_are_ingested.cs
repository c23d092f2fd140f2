using System.Diagnostics;
using EmailWorker.DeadLetters.Ingest;
using EmailWorker.Broker;
using EmailWorker.Configuration;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;
using EmailWorker.DeadLetters.Store;

namespace EmailWorker.DeadLetters.Tests;

/// <summary>
/// The ingester as <c>emailworker run</c> composes it, against a real RabbitMQ node and a real store: a backlog in
/// <c>email.dead</c> of our dead letters, letters the broker dead-lettered at the work queue's delivery limit, and foreign
/// letters, some already stored (as after a crash between commit and ack).
/// </summary>
[TestFixture(StoreKind.Sqlite)]
[TestFixture(StoreKind.Postgres)]
[NonParallelizable]
[CancelAfter(300_000)]
public sealed class When_dead_letters_are_ingested(StoreKind kind)
{
    private const int Ours = 70_000;
    private const int Poison = 20;
    private const int Foreign = 10;
    private const int StoredBefore = 1_000;

    [Test]
    public async Task Should_store_every_letter_exactly_once_and_leave_the_queue_empty(CancellationToken cancellation)
    {
        var (broker, _) = await ServersSetUp.BrokerAsync();
        var prefix = $"dl{Guid.NewGuid():N}"[..14];
        var directory = Directory.CreateTempSubdirectory("emailworker-ingest-").FullName;
        string? database = null;
        var settings = IngestHost.Settings(broker, prefix);
        settings["Topology:DeliveryLimit"] = "1";
        settings["DeadLetters:DataDirectory"] = directory;
        if (kind == StoreKind.Postgres)
        {
            var cluster = await ServersSetUp.PostgresAsync();
            database = $"ingest_{Guid.NewGuid():N}";
            await cluster.CreateDatabaseAsync(database);
            settings["DeadLetters:Store"] = "Postgres";
            settings["DeadLetters:ConnectionString"] = cluster.ConnectionString(database);
        }
        using var host = IngestHost.Build(settings);
        var names = host.Services.GetRequiredService<TopologyNames>();
        await using var connection = await broker.CreateFactory().CreateConnectionAsync(cancellation);
        try
        {
            await host.Services.GetRequiredService<TopologyDeclarer>().DeclareAsync(connection, cancellation);
            var letters = Enumerable.Range(0, Ours).Select(Traffic.OurLetter).ToList();
            await Traffic.PublishAsync(connection, names.Dead, letters, cancellation);
            await Traffic.PublishAsync(connection, names.Dead, Enumerable.Range(0, Foreign).Select(Traffic.ForeignLetter), cancellation);
            await DeadLetterAtTheDeliveryLimitAsync(connection, names.Work, cancellation);
            var store = await host.Services.GetRequiredService<DeadLetterStoreProvider>().GetAsync(cancellation);
            // Committed before, its ack lost: the same message from the queue must map to the same letter id.
            await store.InsertAsync([.. letters.Take(StoredBefore).Select(l => DeadLetterMapper.Map(l.Properties, l.Body, DateTimeOffset.UtcNow))],
                cancellation);

            var clock = Stopwatch.StartNew();
            await host.StartAsync(cancellation);
            const int Total = Ours + Poison + Foreign;
            var all = await Traffic.EventuallyAsync(async () => await store.CountAsync(new LetterSelection { State = null }, cancellation) >= Total, cancellation);
            var ingestSeconds = clock.Elapsed.TotalSeconds;
            var drained = await Traffic.EventuallyAsync(async () => await QueueCounts.ReadAsync(broker, names.Dead, cancellation) is (0, 0), cancellation);
            await host.StopAsync(cancellation);
            TestContext.Out.WriteLine($"{kind}: ingested {Total - StoredBefore} new letters in {ingestSeconds:F1} s = " +
                $"{(Total - StoredBefore) / ingestSeconds:F0} letters/s (from host start)");
            var timer = Stopwatch.StartNew();
            var firstPage = await store.PageAsync(new LetterSelection(), null, 50, LetterOrder.NewestFirst, cancellation);
            TestContext.Out.WriteLine($"{kind}: first page of 50 with {Total} letters stored: {timer.Elapsed.TotalMilliseconds:F1} ms");
            var poison = await Traffic.ToListAsync(store.StreamAsync(new LetterSelection { Class = LetterClasses.Poison }, cancellationToken: cancellation));
            var foreign = await Traffic.ToListAsync(store.StreamAsync(new LetterSelection { Class = LetterClasses.Unknown }, cancellationToken: cancellation));

            Assert.Multiple(async () =>
            {
                Assert.That(all, Is.True, "every letter stored in time");
                Assert.That(drained, Is.True, "email.dead ends with nothing ready and nothing unacked");
                Assert.That(await Traffic.StoredIdsAsync(store, cancellation), Is.EqualTo(Traffic.OurIds(0, Ours)
                    .Concat(Enumerable.Range(0, Poison).Select(i => $"poison-{i:D2}")).Concat(Enumerable.Range(0, Foreign).Select(i => $"foreign-{i}"))
                    .Order(StringComparer.Ordinal)), "exactly once each");
                Assert.That(await store.CountAsync(new LetterSelection { Class = "permanent" }, cancellation), Is.EqualTo(Ours));
                Assert.That(poison.Select(l => l.MessageId).Order(), Is.EqualTo(Enumerable.Range(0, Poison).Select(i => $"poison-{i:D2}")));
                Assert.That(poison.Select(l => l.Failure.Reason).Distinct(), Is.EqualTo(new[] { DeadLetterMapper.PoisonReason }));
                Assert.That(poison[0].Recipients, Has.Count.EqualTo(1).And.Contain($"{poison[0].MessageId}@example.org"));
                Assert.That(foreign.Select(l => l.MessageId).Order(), Is.EqualTo(Enumerable.Range(0, Foreign).Select(i => $"foreign-{i}")));
                Assert.That(firstPage.Letters, Has.Count.EqualTo(50));
            });
            var sample = await store.GetByMessageIdAsync("ours-00042", 10, cancellation);
            Assert.That(sample, Has.Count.EqualTo(1));
            Assert.Multiple(() =>
            {
                Assert.That(sample[0].Failure.SmtpCode, Is.EqualTo(550));
                Assert.That(sample[0].Recipients, Is.EqualTo(new[] { "ours-00042@example.org" }));
                Assert.That(sample[0].LoadedContent.Body, Is.EqualTo(letters[42].Body));
                Assert.That(sample[0].LoadedContent.HistoryJson, Does.Contain("\"attempt\":1"));
            });
        }
        finally
        {
            await Traffic.DeleteTopologyAsync(connection, names);
            if (database is not null)
                await (await ServersSetUp.PostgresAsync()).DropDatabaseAsync(database);
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Messages a consumer keeps giving back: the broker dead-letters them at the work queue's delivery limit.</summary>
    private static async Task DeadLetterAtTheDeliveryLimitAsync(IConnection connection, string workQueue, CancellationToken cancellation)
    {
        await Traffic.PublishAsync(connection, workQueue, Enumerable.Range(0, Poison).Select(i => new Traffic.Letter(new BasicProperties { Persistent = true }, Traffic.Body($"poison-{i:D2}"))),
            cancellation);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellation);
        var emptied = await Traffic.EventuallyAsync(async () =>
        {
            if (await channel.BasicGetAsync(workQueue, autoAck: false, cancellation) is { } delivery)
            {
                await channel.BasicNackAsync(delivery.DeliveryTag, multiple: false, requeue: true, cancellation);
                return false;
            }
            return await channel.MessageCountAsync(workQueue, cancellation) == 0;
        }, cancellation, TimeSpan.Zero);
        Assert.That(emptied, Is.True, "the broker dead-lettered every message given back too often");
    }
}
