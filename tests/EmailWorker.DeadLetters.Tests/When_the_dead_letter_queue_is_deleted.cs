using EmailWorker.Configuration;
using Microsoft.Extensions.DependencyInjection;
using EmailWorker.DeadLetters.Store;

namespace EmailWorker.DeadLetters.Tests;

/// <summary>The broker cancels the ingester's consumer when <c>email.dead</c> is deleted: it declares the queue again and goes on.</summary>
[TestFixture]
[NonParallelizable]
[CancelAfter(120_000)]
public sealed class When_the_dead_letter_queue_is_deleted
{
    private const int InterruptedEvent = 264;

    [Test]
    public async Task Should_consume_the_queue_again(CancellationToken cancellation)
    {
        var (broker, _) = await ServersSetUp.BrokerAsync();
        var prefix = $"dq{Guid.NewGuid():N}"[..14];
        var directory = Directory.CreateTempSubdirectory("emailworker-requeue-").FullName;
        var settings = IngestHost.Settings(broker, prefix);
        settings["DeadLetters:DataDirectory"] = directory;
        var logs = new LogCollector();
        using var host = IngestHost.Build(settings, logs);
        var names = host.Services.GetRequiredService<TopologyNames>();
        await using var connection = await broker.CreateFactory().CreateConnectionAsync(cancellation);
        try
        {
            var store = await host.Services.GetRequiredService<DeadLetterStoreProvider>().GetAsync(cancellation);
            var all = new LetterSelection { State = null };
            await host.StartAsync(cancellation);
            await Traffic.EventuallyAsync(() => QueueCounts.IsBoundAsync(broker, names.Dead, cancellation), cancellation);
            await Traffic.PublishAsync(connection, names.Dead, Enumerable.Range(0, 100).Select(Traffic.OurLetter), cancellation);
            var first = await Traffic.EventuallyAsync(async () => await store.CountAsync(all, cancellation) == 100, cancellation);

            await using (var channel = await connection.CreateChannelAsync(cancellationToken: cancellation))
                await channel.QueueDeleteAsync(names.Dead, ifUnused: false, ifEmpty: false, cancellationToken: cancellation);
            var interrupted = await Traffic.EventuallyAsync(() => Task.FromResult(logs.Logged(InterruptedEvent)), cancellation);
            var declaredAgain = await Traffic.EventuallyAsync(() => QueueCounts.IsBoundAsync(broker, names.Dead, cancellation), cancellation);
            await Traffic.PublishAsync(connection, names.Dead, Enumerable.Range(100, 100).Select(Traffic.OurLetter), cancellation);
            var second = await Traffic.EventuallyAsync(async () => await store.CountAsync(all, cancellation) == 200, cancellation);
            await host.StopAsync(cancellation);

            Assert.Multiple(() =>
            {
                Assert.That(first, Is.True);
                Assert.That(interrupted, Is.True, "the cancel was noticed");
                Assert.That(declaredAgain, Is.True, "the ingester declared the queue again");
                Assert.That(second, Is.True, logs.Text);
            });
        }
        finally
        {
            await Traffic.DeleteTopologyAsync(connection, names);
            Directory.Delete(directory, recursive: true);
        }
    }
}
