using System.Globalization;
using EmailWorker.Contracts;
using EmailWorker.TestSupport;
using MailKit.Net.Smtp;
using MailKit.Security;
using MassTransit;

namespace EmailWorker.Benchmarks;

/// <summary>
/// What a team writes first: a MassTransit consumer with default settings (but for reading plain JSON, and the quorum
/// queue every peer here drains) that opens a new SMTP connection for every message. With <c>concurrency</c> given it
/// takes that many messages at once (prefetch four times that, as the worker's), for comparisons at equal concurrency;
/// without, MassTransit's default.
/// </summary>
internal static class NaiveBaseline
{
    public static Task<(double PerSecond, double CpuMsPerMessage, double RoundTrips)> MeasureAsync(BrokerEndpoint broker, Sink sink, Batch batch, int? concurrency = null) =>
        MassTransitDrain.MeasureAsync(broker, sink, batch, "naive",
            concurrency is { } limit ? ["--concurrency", limit.ToString(CultureInfo.InvariantCulture)] : []);

    /// <summary>In the peer process: the endpoint's settings and consumer.</summary>
    public static Action<IRabbitMqReceiveEndpointConfigurator> Endpoint(int sinkPort, int? concurrency) => endpoint =>
    {
        NaiveSendConsumer.SinkPort = sinkPort;
        if (concurrency is { } limit)
        {
            endpoint.PrefetchCount = limit * 4;
            endpoint.ConcurrentMessageLimit = limit;
        }
        endpoint.Consumer<NaiveSendConsumer>();
    };

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
