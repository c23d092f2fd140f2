using EmailWorker.Publisher.Connection;

namespace EmailWorker.Publisher;

/// <summary>Where and how <see cref="EmailPublisher"/> publishes. The password is never part of an exception message.</summary>
public sealed class EmailPublisherOptions
{
    public string HostName { get; set; } = "localhost";

    public int Port { get; set; } = 5672;

    /// <summary>
    /// A cluster's nodes as <c>host:port,host:port</c>, tried in this order at connect; empty means the one node
    /// <see cref="HostName"/>:<see cref="Port"/>. The same form as the worker's <c>RabbitMq:Endpoints</c>.
    /// </summary>
    public string Endpoints { get; set; } = "";

    /// <summary>AMQP over TLS, the peer always verified; the same options as the worker's <c>RabbitMq:Tls</c>.</summary>
    public AmqpTlsOptions Tls { get; set; } = new();

    public string VirtualHost { get; set; } = "/";

    public string UserName { get; set; } = "guest";

    public string Password { get; set; } = "guest";

    /// <summary>
    /// The work exchange: <c>&lt;Topology:Prefix&gt;.send</c> of the worker. A message whose <c>priority</c> is <c>high</c> or
    /// <c>bulk</c> goes to this name with <c>.high</c> or <c>.bulk</c> appended.
    /// </summary>
    public string Exchange { get; set; } = "email.send";

    /// <summary>How long one publish may take, connecting included, before it fails.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Channels kept open for concurrent publishes.</summary>
    public int Channels { get; set; } = 4;

    /// <summary>The limits the worker applies; keep them in step with its <c>Delivery</c> configuration.</summary>
    public Contracts.SendEmailLimits Limits { get; set; } = new();
}
