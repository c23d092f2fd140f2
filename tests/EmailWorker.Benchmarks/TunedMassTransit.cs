using System.Globalization;
using EmailWorker.Contracts;
using EmailWorker.TestSupport;
using MassTransit;

namespace EmailWorker.Benchmarks;

/// <summary>
/// What a capable team writes in a day with MassTransit 8.5: a receive endpoint on a quorum queue with the worker's
/// prefetch and concurrency, a pool of persistent MailKit connections of the worker's size (MailKit pipelines MAIL and
/// RCPT when the relay offers PIPELINING), and the message acked (MassTransit's default) once its 250 is in.
/// </summary>
internal static class TunedMassTransit
{
    public static Task<(double PerSecond, double CpuMsPerMessage, double RoundTrips)> MeasureAsync(BrokerEndpoint broker, Sink sink, Batch batch, int poolSize, int concurrency) =>
        MassTransitDrain.MeasureAsync(broker, sink, batch, "tuned",
            ["--pool", poolSize.ToString(CultureInfo.InvariantCulture), "--concurrency", concurrency.ToString(CultureInfo.InvariantCulture)]);

    /// <summary>In the peer process: the endpoint's settings and consumer.</summary>
    public static Action<IRabbitMqReceiveEndpointConfigurator> Endpoint(SmtpClientPool pool, int concurrency) => endpoint =>
    {
        endpoint.ConfigureConsumeTopology = false;
        endpoint.PrefetchCount = concurrency * 4;
        endpoint.ConcurrentMessageLimit = concurrency;
        endpoint.Consumer(() => new PooledSendConsumer(pool));
    };

    private sealed class PooledSendConsumer(SmtpClientPool pool) : IConsumer<SendEmail>
    {
        public Task Consume(ConsumeContext<SendEmail> context) => pool.SendAsync(SmtpCeiling.Mime(context.Message), context.CancellationToken);
    }
}
