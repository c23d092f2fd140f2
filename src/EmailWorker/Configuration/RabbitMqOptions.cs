using System.Net;
using EmailWorker.Publisher.Connection;

namespace EmailWorker.Configuration;

/// <summary>Section <c>RabbitMq</c>: where the broker is. The password is never logged or printed.</summary>
internal sealed class RabbitMqOptions
{
    public const string Section = "RabbitMq";

    /// <summary>The one-node shorthand; <see cref="Endpoints"/> wins when set.</summary>
    public string Host { get; set; } = "localhost";

    /// <summary>Port of <see cref="Host"/>, and of every entry of <see cref="Endpoints"/> written without one.</summary>
    public int Port { get; set; } = 5672;

    /// <summary>
    /// A cluster's nodes, <c>host:port,host:port,…</c>, tried in this order at connect and at every recovery; empty means
    /// <see cref="Host"/>:<see cref="Port"/>.
    /// </summary>
    public string Endpoints { get; set; } = "";

    /// <summary>AMQP over TLS (and the CA that the management API's https is verified with).</summary>
    public AmqpTlsOptions Tls { get; set; } = new();

    /// <summary>Ask the management API over https (verified like AMQP: <c>Tls:CaFile</c> or the system's roots).</summary>
    public bool ManagementHttps { get; set; }

    public string VirtualHost { get; set; } = "/";

    public string Username { get; set; } = "guest";

    public string Password { get; set; } = "guest";

    /// <summary>Port of the management plugin's HTTP API on the first endpoint's host, which <c>status</c> asks for unacknowledged
    /// counts (AMQP reports ready messages only); 0 leaves them out.</summary>
    public int ManagementPort { get; set; } = 15672;

    /// <summary>How long one publish may wait for the broker's confirm before it counts as failed.</summary>
    public string PublishTimeout { get; set; } = "10s";

    /// <summary>The parsed endpoint list; the validator has made sure it parses.</summary>
    public IReadOnlyList<DnsEndPoint> EndpointList =>
        BrokerEndpoints.TryParse(Endpoints, Host, Port, out var endpoints, out _) ? endpoints : [new DnsEndPoint(Host, Port)];

    /// <summary>For logs and errors: the nodes and the vhost, never the credentials.</summary>
    public string Describe() => $"{BrokerEndpoints.Describe(EndpointList)}{VirtualHost}";

    public TimeSpan PublishTimeoutValue => Duration.TryParse(PublishTimeout, out var value) ? value : TimeSpan.FromSeconds(10);
}
