using System.Collections.Concurrent;
using System.Text.Json;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace EmailWorker.IntegrationTests.Support;

/// <summary>Subscribes to every status event of a test's events exchange, as a producer's callback queue would.</summary>
public sealed class EventCollector : IAsyncDisposable
{
    private readonly IChannel _channel;
    private readonly ConcurrentQueue<(string RoutingKey, JsonElement Body)> _events = new();

    private EventCollector(IChannel channel) => _channel = channel;

    public IReadOnlyCollection<(string RoutingKey, JsonElement Body)> Events => _events;

    public static async Task<EventCollector> StartAsync(WorkerTestContext context)
    {
        var connection = await context.ConnectionAsync();
        var channel = await connection.CreateChannelAsync();
        var queue = await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true);
        await channel.QueueBindAsync(queue.QueueName, $"{context.Prefix}.events", "email.#");
        var collector = new EventCollector(channel);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            collector._events.Enqueue((delivery.RoutingKey, JsonDocument.Parse(delivery.Body).RootElement.Clone()));
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue.QueueName, autoAck: true, consumer);
        return collector;
    }

    /// <summary>The events of one message with one routing key (e.g. <c>email.delivered</c>), in arrival order.</summary>
    public IReadOnlyList<JsonElement> Of(string messageId, string routingKey) =>
        _events.Where(e => e.RoutingKey == routingKey && e.Body.GetProperty("messageId").GetString() == messageId).Select(e => e.Body).ToArray();

    public Task<bool> WaitForAsync(string messageId, string routingKey, int count = 1, TimeSpan? timeout = null) =>
        WorkerTestContext.EventuallyAsync(() => Task.FromResult(Of(messageId, routingKey).Count >= count), timeout ?? TimeSpan.FromSeconds(60));

    public async ValueTask DisposeAsync()
    {
        await _channel.CloseAsync();
        await _channel.DisposeAsync();
    }
}
