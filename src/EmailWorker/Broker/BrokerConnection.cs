using EmailWorker.Configuration;
using EmailWorker.Diagnostics;
using EmailWorker.Publisher.Connection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace EmailWorker.Broker;

/// <summary>
/// An AMQP connection of this process: one for consuming and one for publishing (<see cref="Consuming"/>,
/// <see cref="Publishing"/>), as RabbitMQ advises, so that flow control on publishes never holds up acks. It is opened on
/// first use, retried with backoff while no node of the broker is reachable, and recovered by the client library after a
/// drop — on the next node of <c>RabbitMq:Endpoints</c> when the one it used is gone. Losses, failed recovery attempts and
/// failovers are logged.
/// </summary>
internal sealed class BrokerConnection(string purpose, IOptions<RabbitMqOptions> options, ILogger<BrokerConnection> logger) : IAsyncDisposable
{
    public const string Consuming = "consume";
    public const string Publishing = "publish";

    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(15);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IConnection? _connection;

    /// <summary>Where the broker is, for logs: nodes and vhost, never the credentials.</summary>
    public string Endpoint => options.Value.Describe();

    /// <summary>True while the connection is open: false before it was first opened and while the client recovers it.</summary>
    public bool IsOpen => Volatile.Read(ref _connection) is { IsOpen: true };

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
                var connection = await OpenAsync(factory, options.Value, cancellationToken);
                Log.BrokerConnected(logger, $"{Describe(connection.Endpoint)} ({purpose})");
                WatchRecovery(connection);
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

    /// <summary>
    /// Follows the client's automatic recovery for the log: which node was lost, each failed attempt, and where the connection
    /// came back — a failover when that is another node.
    /// </summary>
    private void WatchRecovery(IConnection connection)
    {
        var node = Describe(connection.Endpoint);
        connection.ConnectionShutdownAsync += (_, args) =>
        {
            if (args.Initiator != ShutdownInitiator.Application)
                Log.BrokerConnectionLost(logger, purpose, node, args.ReplyCode, Bounded(args.ReplyText));
            return Task.CompletedTask;
        };
        connection.ConnectionRecoveryErrorAsync += (_, args) =>
        {
            Log.BrokerRecoveryFailed(logger, purpose, Endpoint, Bounded(args.Exception.InnerException?.Message ?? args.Exception.Message));
            return Task.CompletedTask;
        };
        connection.RecoverySucceededAsync += (_, _) =>
        {
            var now = Describe(connection.Endpoint);
            if (now == node)
                Log.BrokerRecovered(logger, purpose, now);
            else
                Log.BrokerFailedOver(logger, purpose, node, now);
            node = now;
            return Task.CompletedTask;
        };
    }

    private static string Describe(AmqpTcpEndpoint endpoint) => $"{endpoint.HostName}:{endpoint.Port}";

    /// <summary>Broker and socket texts come from outside: escaped and at most 300 characters before they reach the log.</summary>
    private static string Bounded(string text) => SafeText.Bound(text, 300);

    /// <summary>Opens a connection to the first node of the endpoint list that answers (the worker and the CLI alike).</summary>
    public static Task<IConnection> OpenAsync(ConnectionFactory factory, RabbitMqOptions options, CancellationToken cancellationToken) =>
        factory.CreateConnectionAsync(EndpointsOf(options), cancellationToken);

    /// <summary>The configured nodes in order, each with the TLS settings.</summary>
    public static IList<AmqpTcpEndpoint> EndpointsOf(RabbitMqOptions options) => BrokerEndpoints.Create(options.EndpointList, options.Tls);

    /// <summary>The connection settings every AMQP connection of this executable shares; endpoints and TLS come with <see cref="OpenAsync"/>.</summary>
    public static ConnectionFactory CreateFactory(RabbitMqOptions options) => new ConnectionFactory
    {
        VirtualHost = options.VirtualHost,
        UserName = options.Username,
        Password = options.Password,
        ClientProvidedName = $"emailworker@{Environment.MachineName}/{Environment.ProcessId}",
        MaxInboundMessageBodySize = (uint)options.MaxInboundMessageBytes,
        AutomaticRecoveryEnabled = true,
        TopologyRecoveryEnabled = true,
        NetworkRecoveryInterval = TimeSpan.FromSeconds(2),
        RequestedHeartbeat = TimeSpan.FromSeconds(30),
    }.TryInOrder();

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
