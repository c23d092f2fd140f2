namespace EmailWorker.Configuration;

/// <summary>The names of every exchange and queue, derived from <c>Topology:Prefix</c> and the retry schedules with their jitter tiers (DESIGN §3).</summary>
internal sealed record TopologyNames(string Prefix, IReadOnlyList<RetryTier> Tiers)
{
    public static TopologyNames From(TopologyOptions topology, RetryOptions retry) =>
        new(topology.Prefix, retry.Schedules.TierDelays.Select(delay => new RetryTier(topology.Prefix, delay)).ToArray());

    /// <summary>Fanout exchange producers publish to, and the quorum work queue bound to it (same name).</summary>
    public string Work => $"{Prefix}.send";

    /// <summary>Direct exchange whose routing key is the tier queue's name.</summary>
    public string RetryExchange => $"{Prefix}.retry";

    /// <summary>Fanout exchange and quorum queue of dead letters (same name).</summary>
    public string Dead => $"{Prefix}.dead";

    /// <summary>The tier of <paramref name="delay"/>, whether or not the current schedule has it.</summary>
    public RetryTier TierFor(TimeSpan delay) => new(Prefix, delay);

    /// <summary>Topic exchange of status events, routing key <c>email.&lt;outcome&gt;</c>.</summary>
    public string Events => $"{Prefix}.events";

    /// <summary>The webhook outbox writer's quorum queue: bound to the events exchange for the event types the endpoints get.</summary>
    public string Webhooks => $"{Prefix}.webhooks";
}
