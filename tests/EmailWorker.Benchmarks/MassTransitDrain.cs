using System.Globalization;
using EmailWorker.TestSupport;
using MassTransit;

namespace EmailWorker.Benchmarks;

/// <summary>
/// A MassTransit receive endpoint (reading the plain JSON producers of any language publish) draining a pre-filled quorum
/// queue into the sink, in a process of its own (<see cref="PeerProcess"/>): the batch is queued first, warm-up messages
/// ahead, then the peer starts; the queue is deleted after its drain.
/// </summary>
internal static class MassTransitDrain
{
    /// <summary>
    /// The measured messages' rate, and the peer process's CPU per message from the end of the warm-up on (as the
    /// worker's is counted), and its round trips per message at the sink.
    /// </summary>
    public static async Task<(double PerSecond, double CpuMsPerMessage, double RoundTrips)> MeasureAsync(BrokerEndpoint broker, Sink sink, Batch batch,
        string kind, IEnumerable<string> peerArguments)
    {
        var queue = $"bench-mt-{batch.Prefix}";
        await using (var connection = await broker.CreateFactory().CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync(new RabbitMQ.Client.CreateChannelOptions(true, true)))
        {
            // Declared as MassTransit declares it (SetQuorumQueue), so its own declaration matches; every peer on quorum.
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, new Dictionary<string, object?> { ["x-queue-type"] = "quorum" });
            await Messages.PublishAsync(channel, "", queue, batch.WarmUpIds.Concat(batch.MeasuredIds));
        }
        var arguments = new List<string> { "peer", kind, "--queue", queue, "--sink-port", sink.Port.ToString(CultureInfo.InvariantCulture) };
        arguments.AddRange(peerArguments);
        try
        {
            await using var peer = ChildProcess.Start(Repository.Benchmarks, arguments, broker.WorkerEnvironment());
            await sink.WaitForAsync(batch.Prefix, Math.Max(batch.WarmUp, 1), TimeSpan.FromMinutes(2));
            var cpuAtWarm = peer.CpuTime;
            var deliveredAtWarm = sink.Arrived(batch.Prefix);
            await sink.WaitForAsync(batch.Prefix, batch.Total, TimeSpan.FromMinutes(5));
            var cpu = peer.CpuTime - cpuAtWarm;
            return (sink.RateOf(batch), cpu.TotalMilliseconds / (batch.Total - deliveredAtWarm), sink.RoundTripsPerMessage(batch));
        }
        finally
        {
            await Queues.DeleteAsync(broker, [queue], [queue]);
        }
    }

    /// <summary>In the peer process: the bus on <paramref name="queue"/> until <paramref name="stop"/> completes.</summary>
    public static async Task ConsumeUntilAsync(BrokerEndpoint broker, string queue, Action<IRabbitMqReceiveEndpointConfigurator> endpoint, Task stop)
    {
        var bus = Bus.Factory.CreateUsingRabbitMq(configure =>
        {
            configure.Host(broker.Host, (ushort)broker.Port, broker.VirtualHost, host =>
            {
                host.Username(broker.Username);
                host.Password(broker.Password);
            });
            configure.ReceiveEndpoint(queue, receive =>
            {
                receive.SetQuorumQueue();
                receive.UseRawJsonDeserializer(RawSerializerOptions.AnyMessageType, isDefault: true);
                endpoint(receive);
            });
        });
        await bus.StartAsync();
        try
        {
            await stop;
        }
        finally
        {
            await bus.StopAsync();
        }
    }
}
