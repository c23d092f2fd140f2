using System.Diagnostics;
using EmailWorker.TestSupport;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace EmailWorker.Benchmarks;

/// <summary>Raw RabbitMQ.Client on a quorum queue, no SMTP: confirmed publishes per second, then consume+ack per second.</summary>
internal static class BrokerCeiling
{
    private const int InFlight = 256;

    public static async Task<(double PublishPerSecond, double ConsumePerSecond)> MeasureAsync(BrokerEndpoint broker, int count)
    {
        await using var connection = await broker.CreateFactory().CreateConnectionAsync();
        var queue = $"bench-ceiling-{Guid.NewGuid():N}";
        await using (var setup = await connection.CreateChannelAsync())
            await setup.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, new Dictionary<string, object?> { ["x-queue-type"] = "quorum" });
        var body = Messages.Json("ceiling-0000000");

        await using var publisher = await connection.CreateChannelAsync(new CreateChannelOptions(true, true));
        var properties = new BasicProperties { Persistent = true, ContentType = "application/json" };
        var clock = Stopwatch.StartNew();
        var pending = new List<Task>(InFlight);
        for (var i = 0; i < count; i++)
        {
            pending.Add(publisher.BasicPublishAsync("", queue, mandatory: true, properties, body).AsTask());
            if (pending.Count == InFlight)
            {
                await Task.WhenAll(pending);
                pending.Clear();
            }
        }
        await Task.WhenAll(pending);
        var publishRate = count / clock.Elapsed.TotalSeconds;

        await using var consumerChannel = await connection.CreateChannelAsync();
        await consumerChannel.BasicQosAsync(0, 1000, false);
        var consumed = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new AsyncEventingBasicConsumer(consumerChannel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            await consumerChannel.BasicAckAsync(delivery.DeliveryTag, false);
            if (Interlocked.Increment(ref consumed) == count)
                done.TrySetResult();
        };
        clock.Restart();
        await consumerChannel.BasicConsumeAsync(queue, autoAck: false, consumer);
        await done.Task.WaitAsync(TimeSpan.FromMinutes(2));
        var consumeRate = count / clock.Elapsed.TotalSeconds;
        await consumerChannel.QueueDeleteAsync(queue);
        return (publishRate, consumeRate);
    }
}
