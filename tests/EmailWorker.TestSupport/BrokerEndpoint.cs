using RabbitMQ.Client;

namespace EmailWorker.TestSupport;

/// <summary>Where the tests' RabbitMQ node is, and the environment variables that point a worker process at it.</summary>
public sealed record BrokerEndpoint(string Host, int Port, string VirtualHost, string Username, string Password, int ManagementPort = 15672)
{
    public ConnectionFactory CreateFactory() => new()
    {
        HostName = Host,
        Port = Port,
        VirtualHost = VirtualHost,
        UserName = Username,
        Password = Password,
        // As the worker's default: the tests read back letters as large as a stock broker takes.
        MaxInboundMessageBodySize = 128 * 1024 * 1024,
    };

    public Dictionary<string, string> WorkerEnvironment() => new()
    {
        ["EMAILWORKER__RABBITMQ__HOST"] = Host,
        ["EMAILWORKER__RABBITMQ__PORT"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["EMAILWORKER__RABBITMQ__VIRTUALHOST"] = VirtualHost,
        ["EMAILWORKER__RABBITMQ__USERNAME"] = Username,
        ["EMAILWORKER__RABBITMQ__PASSWORD"] = Password,
        ["EMAILWORKER__RABBITMQ__MANAGEMENTPORT"] = ManagementPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>From <c>RABBITMQ_URL</c> (amqp://user:pass@host:port/vhost) or the worker's own variables; null when neither is set.</summary>
    public static BrokerEndpoint? FromEnvironment()
    {
        if (Environment.GetEnvironmentVariable("RABBITMQ_URL") is { Length: > 0 } url)
        {
            var factory = new ConnectionFactory { Uri = new Uri(url) };
            return new BrokerEndpoint(factory.HostName, factory.Port, factory.VirtualHost, factory.UserName, factory.Password, ManagementPortFromEnvironment());
        }
        if (Environment.GetEnvironmentVariable("EMAILWORKER__RABBITMQ__HOST") is { Length: > 0 } host)
        {
            string Get(string key, string fallback) => Environment.GetEnvironmentVariable($"EMAILWORKER__RABBITMQ__{key}") is { Length: > 0 } value ? value : fallback;
            return new BrokerEndpoint(host, int.Parse(Get("PORT", "5672"), System.Globalization.CultureInfo.InvariantCulture), Get("VIRTUALHOST", "/"),
                Get("USERNAME", "guest"), Get("PASSWORD", "guest"), ManagementPortFromEnvironment());
        }
        return null;
    }

    private static int ManagementPortFromEnvironment() =>
        int.TryParse(Environment.GetEnvironmentVariable("RABBITMQ_MANAGEMENT_PORT"), System.Globalization.CultureInfo.InvariantCulture, out var port) ? port : 15672;
}
