using EmailWorker.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace EmailWorker.Broker;

/// <summary>
/// Publishes with publisher confirms and the <c>mandatory</c> flag, and returns only when the broker has confirmed: a nack,
/// a return (unroutable), a lost channel or the publish timeout all throw. Every move of a message (retry, dead-letter)
/// goes through here before the source is acked, so a crash can duplicate a message but never lose it.
/// </summary>
internal sealed class ConfirmedPublisher([FromKeyedServices(BrokerConnection.Publishing)] BrokerConnection broker, IOptions<RabbitMqOptions> options) : IAsyncDisposable
{
    private readonly SemaphoreSlim _channelGate = new(1, 1);
    private IChannel? _channel;

    public async Task PublishAsync(string exchange, string routingKey, BasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var channel = await GetChannelAsync(cancellationToken);
        // RabbitMQ.Client 7 can wait for a confirm forever: the timeout turns that into a failed move.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.PublishTimeoutValue);
        await channel.BasicPublishAsync(exchange, routingKey, mandatory: true, properties, body, timeout.Token);
    }

    private async Task<IChannel> GetChannelAsync(CancellationToken cancellationToken)
    {
        if (_channel is { IsOpen: true } open)
            return open;
        await _channelGate.WaitAsync(cancellationToken);
        try
        {
            // The broker closes a channel after some errors (e.g. a missing exchange); the next publish gets a new one.
            if (_channel is { IsOpen: true } reopened)
                return reopened;
            if (_channel is not null)
                await _channel.DisposeAsync();
            var connection = await broker.GetAsync(cancellationToken);
            _channel = await connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
                cancellationToken);
            return _channel;
        }
        finally
        {
            _channelGate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_channel is not null)
            await _channel.DisposeAsync();
        _channelGate.Dispose();
    }
}
