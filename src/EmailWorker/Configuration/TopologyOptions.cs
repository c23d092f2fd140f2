namespace EmailWorker.Configuration;

/// <summary>Section <c>Topology</c>: the names and broker-side limits of the queues (DESIGN §3).</summary>
internal sealed class TopologyOptions
{
    public const string Section = "Topology";

    /// <summary>Prefix of every exchange and queue name, e.g. <c>email</c> → <c>email.send</c>, <c>email.dead</c>.</summary>
    public string Prefix { get; set; } = "email";

    /// <summary>
    /// Deliveries of one message the work queue allows before the broker dead-letters it (<c>x-delivery-limit</c>):
    /// catches a message that crashes workers again and again.
    /// </summary>
    public int DeliveryLimit { get; set; } = 20;

    /// <summary>
    /// Whether the worker declares the topology at start-up (needs the broker's configure permission). <c>false</c> for a
    /// least-privilege worker user: an admin step (<c>emailworker topology apply</c>) declares it, and the worker only checks
    /// passively that every exchange and queue exists, which needs no permission.
    /// </summary>
    public bool Declare { get; set; } = true;
}
