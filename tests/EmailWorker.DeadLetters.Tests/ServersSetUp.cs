using EmailWorker.TestSupport;

namespace EmailWorker.DeadLetters.Tests;

/// <summary>
/// One PostgreSQL cluster and one RabbitMQ node for the whole run, each started on first use (a run of the SQLite tests alone
/// starts neither) and stopped at the end. <c>RABBITMQ_URL</c> names an existing broker instead.
/// </summary>
[SetUpFixture]
public sealed class ServersSetUp
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static ThrowawayPostgresCluster? _postgres;
    private static ThrowawayRabbitNode? _rabbit;
    private static BrokerEndpoint? _broker;

    public static async Task<ThrowawayPostgresCluster> PostgresAsync()
    {
        await Gate.WaitAsync();
        try
        {
            return _postgres ??= await ThrowawayPostgresCluster.StartAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>The broker, and the local node when the tests started one (null against an external broker).</summary>
    public static async Task<(BrokerEndpoint Endpoint, ThrowawayRabbitNode? Node)> BrokerAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_broker is null && BrokerEndpoint.FromEnvironment() is { } external)
                _broker = external;
            if (_broker is null)
            {
                _rabbit = await ThrowawayRabbitNode.StartAsync(TimeSpan.FromSeconds(90));
                _broker = new BrokerEndpoint("127.0.0.1", _rabbit.AmqpPort, "/", "guest", "guest", _rabbit.ManagementPort);
            }
            return (_broker, _rabbit);
        }
        finally
        {
            Gate.Release();
        }
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_postgres is not null)
            await _postgres.DisposeAsync();
        if (_rabbit is not null)
            await _rabbit.DisposeAsync();
    }
}
