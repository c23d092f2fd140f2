using EmailWorker.Configuration;
using EmailWorker.DeadLetters.Ingest;
using EmailWorker.DeadLetters.Store;
using EmailWorker.Broker;
using EmailWorker.SmtpSink;
using Microsoft.Extensions.DependencyInjection;

namespace EmailWorker.DeadLetters.Tests;

/// <summary>
/// The handler's last guard, in <c>emailworker run</c>'s composition in this process against a real RabbitMQ node and the
/// scripted relay on loopback: a message whose handling throws something nobody expected (not an SMTP failure) is given
/// back, never lost and never acked; the work queue's delivery limit turns it into a poison letter, which the ingester
/// stores with the broker's reason; the messages around it are delivered once each.
/// </summary>
[TestFixture]
[NonParallelizable]
[CancelAfter(120_000)]
public sealed class When_the_message_handler_fails_unexpectedly
{
    private const string Poison = "handler-poison";
    private const int Others = 10;
    private const int DeliveryLimit = 2;

    [Test]
    public async Task Should_make_the_message_a_poison_letter_and_deliver_the_others(CancellationToken cancellation)
    {
        var (broker, _) = await ServersSetUp.BrokerAsync();
        var prefix = $"hf{Guid.NewGuid():N}"[..14];
        var directory = Directory.CreateTempSubdirectory("emailworker-handler-").FullName;
        await using var relay = new ScriptedSmtpServer();
        relay.Start();
        var settings = IngestHost.Settings(broker, prefix);
        settings["Smtp:Port"] = relay.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Topology:DeliveryLimit"] = DeliveryLimit.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["DeadLetters:DataDirectory"] = directory;
        var logs = new LogCollector();
        using var host = IngestHost.Build(settings, logs, new ScopeFault(Poison));
        var names = host.Services.GetRequiredService<TopologyNames>();
        await using var connection = await broker.CreateFactory().CreateConnectionAsync(cancellation);
        try
        {
            await host.Services.GetRequiredService<TopologyDeclarer>().DeclareAsync(connection, cancellation);
            var others = Enumerable.Range(0, Others).Select(i => $"handler-ok-{i}").ToList();
            await Traffic.PublishAsync(connection, names.Work,
                others.Take(Others / 2).Append(Poison).Concat(others.Skip(Others / 2)).Select(id => new Traffic.Letter(new() { Persistent = true, ContentType = "application/json" }, Traffic.Body(id))),
                cancellation);
            var store = await host.Services.GetRequiredService<DeadLetterStoreProvider>().GetAsync(cancellation);

            await host.StartAsync(cancellation);
            var stored = await Traffic.EventuallyAsync(async () => await store.CountAsync(new LetterSelection { State = null }, cancellation) >= 1, cancellation);
            var delivered = await relay.WaitForMessagesAsync(Others, TimeSpan.FromSeconds(60));
            var workQueueEmpty = await Traffic.EventuallyAsync(async () => await QueueCounts.ReadAsync(broker, names.Work, cancellation) is (0, 0), cancellation);
            var deadQueueEmpty = await Traffic.EventuallyAsync(async () => await QueueCounts.ReadAsync(broker, names.Dead, cancellation) is (0, 0), cancellation);
            await host.StopAsync(cancellation);
            var letters = await Traffic.ToListAsync(store.StreamAsync(new LetterSelection { State = null }, cancellationToken: cancellation));

            Assert.Multiple(() =>
            {
                Assert.That(stored && delivered && workQueueEmpty && deadQueueEmpty, Is.True,
                    $"stored {stored}, delivered {delivered}, work queue empty {workQueueEmpty}, dead-letter queue empty {deadQueueEmpty}\n{logs.Text}");
                Assert.That(relay.Messages.Select(m => string.Join(",", m.Recipients)).Order(StringComparer.Ordinal),
                    Is.EqualTo(others.Select(id => $"{id}@example.org").Order(StringComparer.Ordinal)), "every other message once, the poison one never");
                Assert.That(letters.Select(l => (l.MessageId, l.Failure.Class, l.Failure.Reason)),
                    Is.EqualTo(new[] { (Poison, LetterClasses.Poison, DeadLetterMapper.PoisonReason) }), "one letter: the broker's, at the delivery limit");
                Assert.That(letters.Single().Recipients, Is.EqualTo(new[] { $"{Poison}@example.org" }));
            });
        }
        finally
        {
            await Traffic.DeleteTopologyAsync(connection, names);
            Directory.Delete(directory, recursive: true);
        }
    }
}
