using System.Diagnostics;
using System.Text;
using EmailWorker.Topology;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RabbitMQ.Client;

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
        var settings = new Dictionary<string, string?>
        {
            ["RabbitMq:Host"] = broker.Host,
            ["RabbitMq:Port"] = broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RabbitMq:VirtualHost"] = broker.VirtualHost,
            ["RabbitMq:Username"] = broker.Username,
            ["RabbitMq:Password"] = broker.Password,
            ["Topology:Prefix"] = prefix,
            ["Topology:DeliveryLimit"] = "1",
            ["Smtp:Host"] = "127.0.0.1",
            ["DeadLetters:DataDirectory"] = directory,
        };
        if (kind == StoreKind.Postgres)
        {
            var cluster = await ServersSetUp.PostgresAsync();
            database = $"ingest_{Guid.NewGuid():N}";
            await cluster.CreateDatabaseAsync(database);
            settings["DeadLetters:Store"] = "Postgres";
            settings["DeadLetters:ConnectionString"] = cluster.ConnectionString(database);
        }
        using var host = BuildHost(settings);
        var names = host.Services.GetRequiredService<TopologyNames>();
        await using var connection = await broker.CreateFactory().CreateConnectionAsync(cancellation);
        try
        {
            await host.Services.GetRequiredService<TopologyDeclarer>().DeclareAsync(connection, cancellation);
            var letters = Enumerable.Range(0, Ours).Select(OurLetter).ToList();
            await PublishAsync(connection, names.Dead, letters, cancellation);
            await PublishAsync(connection, names.Dead, Enumerable.Range(0, Foreign).Select(ForeignLetter), cancellation);
            await DeadLetterAtTheDeliveryLimitAsync(connection, names.Work, cancellation);
            var store = await host.Services.GetRequiredService<DeadLetterStoreProvider>().GetAsync(cancellation);
            // Committed before, its ack lost: the same message from the queue must map to the same letter id.
            await store.InsertAsync([.. letters.Take(StoredBefore).Select(l => DeadLetterMapper.Map(l.Properties, l.Body, DateTimeOffset.UtcNow))],
                cancellation);

            var clock = Stopwatch.StartNew();
            await host.StartAsync(cancellation);
            const int Total = Ours + Poison + Foreign;
            var all = await EventuallyAsync(async () => await store.CountAsync(new LetterFilter { State = null }, cancellation) >= Total, cancellation);
            var ingestSeconds = clock.Elapsed.TotalSeconds;
            var drained = await EventuallyAsync(async () => await QueueCounts.ReadAsync(broker, names.Dead, cancellation) is (0, 0), cancellation);
            await host.StopAsync(cancellation);
            TestContext.Out.WriteLine($"{kind}: ingested {Total - StoredBefore} new letters in {ingestSeconds:F1} s = " +
                $"{(Total - StoredBefore) / ingestSeconds:F0} letters/s (from host start)");
            var timer = Stopwatch.StartNew();
            var firstPage = await store.PageAsync(new LetterFilter(), null, 50, LetterOrder.NewestFirst, cancellation);
            TestContext.Out.WriteLine($"{kind}: first page of 50 with {Total} letters stored: {timer.Elapsed.TotalMilliseconds:F1} ms");
            var poison = await ToListAsync(store.StreamAsync(new LetterFilter { Class = DeadLetterMapper.PoisonClass }, cancellationToken: cancellation));
            var foreign = await ToListAsync(store.StreamAsync(new LetterFilter { Class = DeadLetterMapper.UnknownClass }, cancellationToken: cancellation));

            Assert.Multiple(async () =>
            {
                Assert.That(all, Is.True, "every letter stored in time");
                Assert.That(drained, Is.True, "email.dead ends with nothing ready and nothing unacked");
                Assert.That(await store.CountAsync(new LetterFilter { State = null }, cancellation), Is.EqualTo(Total), "exactly once each");
                Assert.That(await store.CountAsync(new LetterFilter { Class = "permanent" }, cancellation), Is.EqualTo(Ours));
                Assert.That(poison.Select(l => l.MessageId).Order(), Is.EqualTo(Enumerable.Range(0, Poison).Select(i => $"poison-{i:D2}")));
                Assert.That(poison.Select(l => l.Reason).Distinct(), Is.EqualTo(new[] { DeadLetterMapper.PoisonReason }));
                Assert.That(poison[0].Recipients, Has.Count.EqualTo(1).And.Contain($"{poison[0].MessageId}@example.org"));
                Assert.That(foreign.Select(l => l.MessageId).Order(), Is.EqualTo(Enumerable.Range(0, Foreign).Select(i => $"foreign-{i}")));
                Assert.That(firstPage.Letters, Has.Count.EqualTo(50));
            });
            var sample = await store.GetByMessageIdAsync("ours-00042", 10, cancellation);
            Assert.That(sample, Has.Count.EqualTo(1));
            Assert.Multiple(() =>
            {
                Assert.That(sample[0].Summary.SmtpCode, Is.EqualTo(550));
                Assert.That(sample[0].Summary.Recipients, Is.EqualTo(new[] { "ours-00042@example.org" }));
                Assert.That(sample[0].Body, Is.EqualTo(letters[42].Body));
                Assert.That(sample[0].HistoryJson, Does.Contain("\"attempt\":1"));
            });
        }
        finally
        {
            await DeleteTopologyAsync(connection, names);
            if (database is not null)
                await (await ServersSetUp.PostgresAsync()).DropDatabaseAsync(database);
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary><c>emailworker run</c>'s composition, with this test's configuration.</summary>
    private static IHost BuildHost(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddLogging();
        builder.Services.AddEmailWorker(builder.Configuration);
        return builder.Build();
    }

    private sealed record Letter(BasicProperties Properties, byte[] Body);

    /// <summary>A dead letter as the worker's mover writes it.</summary>
    private static Letter OurLetter(int number)
    {
        var id = $"ours-{number:D5}";
        var headers = new Dictionary<string, object?>
        {
            ["email-failure-class"] = "permanent",
            ["email-failure-reason"] = $"<{id}@example.org>: Recipient address rejected: User unknown",
            ["email-smtp-code"] = 550,
            ["email-smtp-enhanced-code"] = "5.1.1",
            ["email-smtp-reply"] = $"<{id}@example.org>: Recipient address rejected: User unknown",
            ["email-attempt"] = 1,
            ["email-attempts"] = 1,
            ["email-first-failure-at"] = "2026-11-29T10:00:00.0000000+00:00",
            ["email-last-failure-at"] = "2026-11-29T10:00:00.0000000+00:00",
            ["email-remaining-recipients"] = $"[\"{id}@example.org\"]",
            ["email-history"] = $$"""[{"attempt":1,"at":"2026-11-29T10:00:00+00:00","outcome":"failed","class":"permanent","smtpCode":550,"enhancedCode":"5.1.1","message":"User unknown","worker":"w1"}]""",
        };
        return new Letter(new BasicProperties { Persistent = true, ContentType = "application/json", Headers = headers }, Body(id));
    }

    private static Letter ForeignLetter(int number) => number % 2 == 0
        ? new Letter(new BasicProperties { Persistent = true }, Encoding.UTF8.GetBytes($$"""{"messageId":"foreign-{{number}}","whatever":1}"""))
        : new Letter(new BasicProperties { Persistent = true, MessageId = $"foreign-{number}" }, Encoding.UTF8.GetBytes($"plain text {number}"));

    private static byte[] Body(string id) =>
        Encoding.UTF8.GetBytes($$"""{"messageId":"{{id}}","from":{"address":"shop@example.com"},"to":[{"address":"{{id}}@example.org"}],"subject":"s","text":"t"}""");

    private static async Task PublishAsync(IConnection connection, string exchange, IEnumerable<Letter> letters, CancellationToken cancellation)
    {
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true), cancellation);
        var pending = new List<Task>(1000);
        foreach (var letter in letters)
        {
            pending.Add(channel.BasicPublishAsync(exchange, "", mandatory: true, letter.Properties, letter.Body, cancellation).AsTask());
            if (pending.Count == 1000)
            {
                await Task.WhenAll(pending);
                pending.Clear();
            }
        }
        await Task.WhenAll(pending);
    }

    /// <summary>Messages a consumer keeps giving back: the broker dead-letters them at the work queue's delivery limit.</summary>
    private static async Task DeadLetterAtTheDeliveryLimitAsync(IConnection connection, string workQueue, CancellationToken cancellation)
    {
        await PublishAsync(connection, workQueue, Enumerable.Range(0, Poison).Select(i => new Letter(new BasicProperties { Persistent = true }, Body($"poison-{i:D2}"))),
            cancellation);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellation);
        var emptied = await EventuallyAsync(async () =>
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

    private static async Task DeleteTopologyAsync(IConnection connection, TopologyNames names)
    {
        await using var channel = await connection.CreateChannelAsync();
        foreach (var queue in names.Tiers.Select(t => t.QueueName).Append(names.Work).Append(names.Dead))
            await channel.QueueDeleteAsync(queue);
        foreach (var exchange in new[] { names.Work, names.RetryExchange, names.Dead, names.Events })
            await channel.ExchangeDeleteAsync(exchange);
    }

    private static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, CancellationToken cancellation, TimeSpan? pause = null)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(180);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
                return true;
            await Task.Delay(pause ?? TimeSpan.FromMilliseconds(200), cancellation);
        }
        return false;
    }

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items)
            list.Add(item);
        return list;
    }
}
