using EmailWorker.Contracts;
using EmailWorker.TestSupport;
using MailKit.Net.Smtp;
using MailKit.Security;
using MassTransit;

namespace EmailWorker.Benchmarks;

/// <summary>
/// What a team writes first: a MassTransit consumer with default settings (but for reading plain JSON) that opens a new
/// SMTP connection for every message, draining a pre-filled queue.
/// </summary>
internal static class NaiveBaseline
{
    public static async Task<double> MeasureAsync(BrokerEndpoint broker, int sinkPort, Sink sink, int count)
    {
        NaiveSendConsumer.SinkPort = sinkPort;
        var before = sink.Count;
        var queue = $"bench-naive-{Guid.NewGuid():N}";
        // The queue is filled first with plain JSON, as producers of any language publish it.
        await using (var connection = await broker.CreateFactory().CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync(new RabbitMQ.Client.CreateChannelOptions(true, true)))
        {
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
            var properties = new RabbitMQ.Client.BasicProperties { Persistent = true, ContentType = "application/json" };
            for (var i = 0; i < count; i++)
                await channel.BasicPublishAsync("", queue, mandatory: true, properties, Messages.Json($"naive-{Guid.NewGuid():N}"));
        }
        var bus = Bus.Factory.CreateUsingRabbitMq(configure =>
        {
            configure.Host(broker.Host, (ushort)broker.Port, broker.VirtualHost, host =>
            {
                host.Username(broker.Username);
                host.Password(broker.Password);
            });
            configure.ReceiveEndpoint(queue, endpoint =>
            {
                endpoint.UseRawJsonDeserializer(RawSerializerOptions.AnyMessageType, isDefault: true);
                endpoint.Consumer<NaiveSendConsumer>();
            });
        });
        await bus.StartAsync();
        try
        {
            await sink.WaitForAsync(before + count, TimeSpan.FromMinutes(5));
            return sink.RateOfLast(count);
        }
        finally
        {
            await bus.StopAsync();
        }
    }

    public sealed class NaiveSendConsumer : IConsumer<SendEmail>
    {
        public static int SinkPort { get; set; }

        public async Task Consume(ConsumeContext<SendEmail> context)
        {
            using var client = new SmtpClient();
            await client.ConnectAsync("127.0.0.1", SinkPort, SecureSocketOptions.None, context.CancellationToken);
            await client.SendAsync(SmtpCeiling.Mime(context.Message.MessageId), context.CancellationToken);
            await client.DisconnectAsync(true, context.CancellationToken);
        }
    }
}
