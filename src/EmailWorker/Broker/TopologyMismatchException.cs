namespace EmailWorker.Broker;

/// <summary>An exchange or queue already exists with other arguments than the configured topology needs.</summary>
internal sealed class TopologyMismatchException(string entity, string brokerReply)
    : Exception($"{entity} already exists with different settings: {brokerReply}. " +
                "Delete it (after draining it) or choose another Topology:Prefix.")
{
    public string Entity { get; } = entity;
}
