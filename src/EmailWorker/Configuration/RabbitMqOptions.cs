namespace EmailWorker.Configuration;

/// <summary>Section <c>RabbitMq</c>: where the broker is. The password is never logged or printed.</summary>
internal sealed class RabbitMqOptions
{
    public const string Section = "RabbitMq";

    public string Host { get; set; } = "localhost";

    public int Port { get; set; } = 5672;

    public string VirtualHost { get; set; } = "/";

    public string Username { get; set; } = "guest";

    public string Password { get; set; } = "guest";

    /// <summary>Port of the management plugin's HTTP API on <see cref="Host"/>, which <c>status</c> asks for unacknowledged
    /// counts (AMQP reports ready messages only); 0 leaves them out.</summary>
    public int ManagementPort { get; set; } = 15672;

    /// <summary>How long one publish may wait for the broker's confirm before it counts as failed.</summary>
    public string PublishTimeout { get; set; } = "10s";

    public TimeSpan PublishTimeoutValue => Duration.TryParse(PublishTimeout, out var value) ? value : TimeSpan.FromSeconds(10);
}
