using EmailWorker.Configuration;

namespace EmailWorker.Delivery.Relays;

/// <summary>
/// Which relay a message goes to — pure: the configuration, the message's fields, each relay's health and a random draw
/// passed in. The message's <c>relay</c> field wins; else the first of <c>Smtp:Routes</c> that matches its sender domain or
/// a tag; else a weighted choice among all relays. Within a route the first usable relay is taken (the next ones fail
/// over for it), in a weighted choice a usable one by weight; a relay throttling hard only when no usable one is
/// allowed, one that is down never.
/// </summary>
internal sealed class RelayRouter
{
    private readonly IReadOnlyList<RouteOptions> _routes;
    private readonly Dictionary<string, WeightedRelay> _relays;
    private readonly RelayRoute _everyRelay;

    public RelayRouter(IReadOnlyList<RouteOptions> routes, IReadOnlyList<WeightedRelay> relays)
    {
        _routes = routes;
        _relays = relays.ToDictionary(relay => relay.Name, StringComparer.OrdinalIgnoreCase);
        _everyRelay = new RelayRoute(relays, Ordered: false, "weighted among every relay");
    }

    public static RelayRouter From(SmtpOptions smtp) =>
        new(smtp.Routes, [.. RelaySettings.All(smtp).Select(relay => new WeightedRelay(relay.Name, relay.Weight))]);

    /// <summary>The relays a message may go to. <paramref name="relay"/> must be a configured name (the reader refused others).</summary>
    public RelayRoute RouteFor(string? relay, string senderAddress, IReadOnlyDictionary<string, string>? tags)
    {
        if (relay is not null && _relays.TryGetValue(relay, out var named))
            return new RelayRoute([named], Ordered: true, "named by the message");
        var at = senderAddress.LastIndexOf('@');
        var senderDomain = at >= 0 ? senderAddress[(at + 1)..] : "";
        for (var i = 0; i < _routes.Count; i++)
        {
            if (Matches(_routes[i], senderDomain, tags))
                return new RelayRoute([.. _routes[i].Relays.Select(name => _relays[name])], Ordered: true, $"Smtp:Routes:{i}");
        }
        return _everyRelay;
    }

    private static bool Matches(RouteOptions route, string senderDomain, IReadOnlyDictionary<string, string>? tags)
    {
        if (!string.IsNullOrEmpty(route.SenderDomain))
            return string.Equals(route.SenderDomain, senderDomain, StringComparison.OrdinalIgnoreCase);
        if (string.IsNullOrEmpty(route.Tag) || tags is null)
            return false;
        var equals = route.Tag.IndexOf('=', StringComparison.Ordinal);
        if (equals < 0)
            return tags.ContainsKey(route.Tag);
        return tags.TryGetValue(route.Tag[..equals], out var value) && string.Equals(value, route.Tag[(equals + 1)..], StringComparison.Ordinal);
    }

    /// <summary>
    /// The relay to send through now, or null when every relay of <paramref name="route"/> is down.
    /// <paramref name="draw"/> is uniform in [0, 1) and picks among weighted ones.
    /// </summary>
    public static string? Choose(RelayRoute route, Func<string, RelayHealth> health, double draw)
    {
        // One relay (the single-relay form, or a message that names one): no list to build on every message's path.
        if (route.Relays is [var only])
            return health(only.Name) == RelayHealth.Down ? null : only.Name;
        foreach (var wanted in (ReadOnlySpan<RelayHealth>)[RelayHealth.Usable, RelayHealth.ThrottlingHard])
        {
            var candidates = route.Relays.Where(relay => health(relay.Name) == wanted).ToList();
            if (candidates.Count == 0)
                continue;
            if (route.Ordered)
                return candidates[0].Name;
            return Weighted(candidates, draw);
        }
        return null;
    }

    /// <summary>By weight; relays of weight 0 only when every candidate has weight 0 (then the first).</summary>
    private static string Weighted(List<WeightedRelay> candidates, double draw)
    {
        var total = candidates.Sum(relay => (long)relay.Weight);
        if (total == 0)
            return candidates[0].Name;
        var point = draw * total;
        foreach (var relay in candidates)
        {
            point -= relay.Weight;
            if (point < 0)
                return relay.Name;
        }
        return candidates.Last(relay => relay.Weight > 0).Name;
    }
}
