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

    /// <summary>
    /// Ask the management API over https (verified like AMQP: <c>Tls:CaFile</c> or the system's roots). Unset, it follows
    /// <c>Tls:Enabled</c>: the request carries the broker user's password, so it is encrypted whenever AMQP is.
    /// </summary>
    public bool? ManagementHttps { get; set; }

    /// <summary>
    /// Let the management API be asked over plain http while AMQP uses TLS (the password then crosses the network in
    /// clear text): only for a broker reached over a network you trust. Refused at start-up otherwise.
    /// </summary>
    public bool AllowPlaintextManagement { get; set; }

    /// <summary>Whether the management API is asked over https: <see cref="ManagementHttps"/>, else as AMQP.</summary>
    public bool UsesManagementHttps => ManagementHttps ?? Tls.Enabled;

    public string VirtualHost { get; set; } = "/";

    public string Username { get; set; } = "guest";

    public string Password { get; set; } = "guest";

    /// <summary>Port of the management plugin's HTTP API on the first endpoint's host, which <c>status</c> asks for unacknowledged
    /// counts (AMQP reports ready messages only); 0 leaves them out.</summary>
    public int ManagementPort { get; set; } = 15672;

    /// <summary>
    /// The worker: how long a move waits for the broker's confirm before it logs that it is still waiting (it keeps
    /// waiting while the channel lives). The CLI: how long a replay window may wait before the command fails.
    /// </summary>
    public string PublishTimeout { get; set; } = "10s";

    /// <summary>
    /// The largest message body this client accepts from the broker. It must be at least the broker's
    /// <c>max_message_size</c> (128 MiB on a stock broker; 16 MiB in deploy/rabbitmq/rabbitmq.conf): a larger message
    /// would make the client close the connection, and recovery would hand the same message out first again — a stall.
    /// Bodies above <c>Delivery:MaxMessageBytes</c> are then dead-lettered as <c>too_large</c>.
    /// </summary>
    public long MaxInboundMessageBytes { get; set; } = 128 * 1024 * 1024;

    /// <summary>The parsed endpoint list; the validator has made sure it parses.</summary>
    public IReadOnlyList<DnsEndPoint> EndpointList =>
        BrokerEndpoints.TryParse(Endpoints, Host, Port, out var endpoints, out _) ? endpoints : [new DnsEndPoint(Host, Port)];

    /// <summary>For logs and errors: the nodes and the vhost, never the credentials.</summary>
    public string Describe() => $"{BrokerEndpoints.Describe(EndpointList)}{VirtualHost}";

    public TimeSpan PublishTimeoutValue => Duration.TryParse(PublishTimeout, out var value) ? value : TimeSpan.FromSeconds(10);
}
