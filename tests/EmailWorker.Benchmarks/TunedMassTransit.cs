using EmailWorker.Contracts;
using EmailWorker.TestSupport;
using MassTransit;

namespace EmailWorker.Benchmarks;

/// <summary>
/// What a capable team writes in a day with MassTransit 8.5: a receive endpoint on a quorum queue with the worker's
/// prefetch and concurrency, a pool of persistent MailKit connections of the worker's size, and the message acked
/// (MassTransit's default) once its 250 is in.
/// </summary>
internal static class TunedMassTransit
{
    public static async Task<(double PerSecond, double CpuMsPerMessage)> MeasureAsync(BrokerEndpoint broker, Sink sink, Batch batch, int poolSize, int concurrency)
    {
        await using var pool = await SmtpClientPool.OpenAsync(sink.Port, poolSize);
        return await MassTransitDrain.MeasureAsync(broker, sink, batch, quorum: true, endpoint =>
        {
            endpoint.ConfigureConsumeTopology = false;
            endpoint.PrefetchCount = concurrency * 4;
            endpoint.ConcurrentMessageLimit = concurrency;
            endpoint.Consumer(() => new PooledSendConsumer(pool));
        });
    }

    private sealed class PooledSendConsumer(SmtpClientPool pool) : IConsumer<SendEmail>
    {
        public Task Consume(ConsumeContext<SendEmail> context) => pool.SendAsync(SmtpCeiling.Mime(context.Message), context.CancellationToken);
    }
}
