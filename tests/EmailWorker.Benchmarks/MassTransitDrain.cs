using System.Diagnostics;
using EmailWorker.TestSupport;
using MassTransit;

namespace EmailWorker.Benchmarks;

/// <summary>
/// A MassTransit receive endpoint (reading the plain JSON producers of any language publish) draining a pre-filled queue
/// into the sink: the batch is queued first, warm-up messages ahead, then the bus starts.
/// </summary>
internal static class MassTransitDrain
{
    /// <summary>The measured messages' rate, and this process's CPU per message from the end of the warm-up on (as the worker's is counted).</summary>
    public static async Task<(double PerSecond, double CpuMsPerMessage)> MeasureAsync(BrokerEndpoint broker, Sink sink, Batch batch, bool quorum, Action<IRabbitMqReceiveEndpointConfigurator> endpoint)
    {
        var before = sink.Count;
        var queue = $"bench-mt-{batch.Prefix}";
        await using (var connection = await broker.CreateFactory().CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync(new RabbitMQ.Client.CreateChannelOptions(true, true)))
        {
            // Declared as MassTransit declares it, so its own declaration matches.
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false,
                quorum ? new Dictionary<string, object?> { ["x-queue-type"] = "quorum" } : null);
            await Messages.PublishAsync(channel, "", queue, batch.WarmUpIds.Concat(batch.MeasuredIds));
        }
        var bus = Bus.Factory.CreateUsingRabbitMq(configure =>
        {
            configure.Host(broker.Host, (ushort)broker.Port, broker.VirtualHost, host =>
            {
                host.Username(broker.Username);
                host.Password(broker.Password);
            });
            configure.ReceiveEndpoint(queue, receive =>
            {
                if (quorum)
                    receive.SetQuorumQueue();
                receive.UseRawJsonDeserializer(RawSerializerOptions.AnyMessageType, isDefault: true);
                endpoint(receive);
            });
        });
        await bus.StartAsync();
        try
        {
            await sink.WaitForAsync(before + Math.Max(batch.WarmUp, 1), TimeSpan.FromMinutes(2));
            var cpuAtWarm = Process.GetCurrentProcess().TotalProcessorTime;
            var deliveredAtWarm = sink.Count;
            await sink.WaitForAsync(before + batch.Total, TimeSpan.FromMinutes(5));
            var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuAtWarm;
            return (sink.RateOf(batch.MeasuredRecipients), cpu.TotalMilliseconds / (before + batch.Total - deliveredAtWarm));
        }
        finally
        {
            await bus.StopAsync();
        }
    }
}
