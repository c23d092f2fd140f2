using EmailWorker.Configuration;
using EmailWorker.Logging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace EmailWorker.Broker;

/// <summary>
/// An AMQP connection of this process: one for consuming and one for publishing (<see cref="Consuming"/>,
/// <see cref="Publishing"/>), as RabbitMQ advises, so that flow control on publishes never holds up acks. It is opened on
/// first use, retried with backoff while the broker is unreachable, and recovered by the client library after a drop.
/// </summary>
internal sealed class BrokerConnection(string purpose, IOptions<RabbitMqOptions> options, ILogger<BrokerConnection> logger) : IAsyncDisposable
{
    public const string Consuming = "consume";
    public const string Publishing = "publish";

    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(15);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IConnection? _connection;

    /// <summary>Where the broker is, for logs: host, port and vhost, never the credentials.</summary>
    public string Endpoint => $"{options.Value.Host}:{options.Value.Port}{options.Value.VirtualHost}";

    public async Task<IConnection> GetAsync(CancellationToken cancellationToken)
    {
        if (_connection is { } open)
            return open;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return _connection ??= await ConnectWithBackoffAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<IConnection> ConnectWithBackoffAsync(CancellationToken cancellationToken)
    {
        var factory = CreateFactory(options.Value);
        factory.ClientProvidedName += $" ({purpose})";
        var delay = TimeSpan.FromMilliseconds(500);
        while (true)
        {
            try
            {
                var connection = await factory.CreateConnectionAsync(cancellationToken);
                Log.BrokerConnected(logger, Endpoint);
                return connection;
            }
            catch (BrokerUnreachableException ex) when (ex.InnerException is AuthenticationFailureException)
            {
                // Wrong credentials do not heal by waiting: fail start-up with a message that names what to fix.
                throw new BrokerConfigurationException(
                    $"RabbitMQ at {Endpoint} refused the login of user '{options.Value.Username}': check RabbitMq:Username and RabbitMq:Password");
            }
            catch (BrokerUnreachableException ex)
            {
                Log.BrokerUnreachable(logger, Endpoint, delay, ex.InnerException?.Message ?? ex.Message);
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    public static ConnectionFactory CreateFactory(RabbitMqOptions options) => new()
    {
        HostName = options.Host,
        Port = options.Port,
        VirtualHost = options.VirtualHost,
        UserName = options.Username,
        Password = options.Password,
        ClientProvidedName = $"emailworker@{Environment.MachineName}/{Environment.ProcessId}",
        AutomaticRecoveryEnabled = true,
        TopologyRecoveryEnabled = true,
        NetworkRecoveryInterval = TimeSpan.FromSeconds(2),
        RequestedHeartbeat = TimeSpan.FromSeconds(30),
    };

    public async ValueTask DisposeAsync()
    {
        if (_connection is { } connection)
        {
            await connection.CloseAsync();
            await connection.DisposeAsync();
        }
        _gate.Dispose();
    }
}
