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
        MassTransitDrain.MeasureAsync(broker, sink, batch, "tuned", Arguments(poolSize, concurrency));

    public static string[] Arguments(int poolSize, int concurrency) =>
        ["--pool", poolSize.ToString(CultureInfo.InvariantCulture), "--concurrency", concurrency.ToString(CultureInfo.InvariantCulture)];

    /// <summary>
    /// In the peer process: the endpoint's settings and consumer. With <paramref name="retry"/> (for a relay that throttles)
    /// a failed send is retried in memory as a team would configure it: 10 times, backing off from 100 ms to 5 s; a message
    /// still failing then goes to MassTransit's <c>_error</c> queue.
    /// </summary>
    public static Action<IRabbitMqReceiveEndpointConfigurator> Endpoint(SmtpClientPool pool, int concurrency, bool retry = false) => endpoint =>
    {
        if (retry)
            endpoint.UseMessageRetry(r => r.Exponential(10, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(200)));
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
