using EmailWorker.Contracts;

namespace EmailWorker.Configuration;

/// <summary>The names of every exchange and queue, derived from <c>Topology:Prefix</c> and the retry schedules with their jitter tiers (DESIGN §3).</summary>
internal sealed record TopologyNames(string Prefix, IReadOnlyList<RetryTier> Tiers)
{
    /// <summary>Every lane's tiers: the normal lane's first, as they were before there were lanes.</summary>
    public static TopologyNames From(TopologyOptions topology, RetryOptions retry) =>
        new(topology.Prefix, Lanes.NormalFirst
            .SelectMany(lane => retry.Schedules.TierDelays.Select(delay => new RetryTier(topology.Prefix, delay, lane))).ToArray());

    /// <summary>
    /// Fanout exchange producers publish to, and the quorum work queue bound to it (same name): the normal lane's, as it was
    /// before there were lanes.
    /// </summary>
    public string Work => $"{Prefix}.send";

    /// <summary>The work exchange and queue (same name) of <paramref name="lane"/>: <c>email.send</c>, <c>email.send.high</c>, <c>email.send.bulk</c>.</summary>
    public string WorkFor(Lane lane) => EmailPriority.ExchangeFor(Work, lane.Name());

    /// <summary>Direct exchange whose routing key is the tier queue's name.</summary>
    public string RetryExchange => $"{Prefix}.retry";

    /// <summary>Fanout exchange and quorum queue of dead letters (same name).</summary>
    public string Dead => $"{Prefix}.dead";

    /// <summary>The tier of <paramref name="delay"/> in <paramref name="lane"/>, whether or not the current schedule has it.</summary>
    public RetryTier TierFor(TimeSpan delay, Lane lane) => new(Prefix, delay, lane);

    /// <summary>The lane whose work queue is <paramref name="queue"/>; null for any other queue.</summary>
    public Lane? LaneOfWorkQueue(string? queue) => Lanes.All.Cast<Lane?>().FirstOrDefault(lane => WorkFor(lane!.Value) == queue);

    /// <summary>Topic exchange of status events, routing key <c>email.&lt;outcome&gt;</c>.</summary>
    public string Events => $"{Prefix}.events";

    /// <summary>The webhook outbox writer's quorum queue: bound to the events exchange for the event types the endpoints get.</summary>
    public string Webhooks => $"{Prefix}.webhooks";
}
