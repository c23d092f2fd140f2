using RabbitMQ.Client;


namespace EmailWorker.Broker;

/// <summary>
/// Publishes with publisher confirms and the <c>mandatory</c> flag, and returns only when the broker has confirmed: a nack
/// or a return (unroutable) throws <see cref="RabbitMQ.Client.Exceptions.PublishException"/>, a lost channel throws
/// <see cref="RabbitMQ.Client.Exceptions.AlreadyClosedException"/>. It waits for the confirm as long as the channel lives
/// — while the broker blocks publishers that can be minutes — unless the caller's token ends the wait; publishing again
/// after a slow confirm would only put a second copy in the queue.
/// </summary>
/// <param name="connect">Gives the connection to publish on: the worker's publishing connection, or the CLI's.</param>
internal sealed class ConfirmedPublisher(Func<CancellationToken, Task<IConnection>> connect) : IAsyncDisposable
{
    private readonly SemaphoreSlim _channelGate = new(1, 1);
    private IChannel? _channel;

    public async Task PublishAsync(string exchange, string routingKey, BasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var channel = await GetChannelAsync(cancellationToken);
        await channel.BasicPublishAsync(exchange, routingKey, mandatory: true, properties, body, cancellationToken);
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
            var connection = await connect(cancellationToken);
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
