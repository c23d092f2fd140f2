using EmailWorker.Contracts;

namespace EmailWorker.Configuration;

/// <summary>
/// A message's lane: the work queue (and retry tiers) it travels through, chosen by its producer through the exchange it
/// publishes to (<see cref="EmailPriority"/>). The worker serves <see cref="High"/> first and gives <see cref="Bulk"/> a
/// bounded share while <see cref="Normal"/> waits too.
/// </summary>
internal enum Lane
{
    // The values index per-lane arrays in the order of Lanes.All.
    High = 0,
    Normal = 1,
    Bulk = 2,
}

internal static class Lanes
{
    /// <summary>Every lane, in the order they are served.</summary>
    public static IReadOnlyList<Lane> All { get; } = [Lane.High, Lane.Normal, Lane.Bulk];

    /// <summary>
    /// Every lane, the normal one first: the order names are declared, checked and listed in, so what a deployment had
    /// before there were lanes comes first (a missing <c>email.send</c> is the one named, <c>status</c> shows it on top).
    /// </summary>
    public static IReadOnlyList<Lane> NormalFirst { get; } = [Lane.Normal, Lane.High, Lane.Bulk];

    /// <summary>The lane's name on the wire and in queue names: <c>high</c>, <c>normal</c>, <c>bulk</c>.</summary>
    public static string Name(this Lane lane) => lane switch
    {
        Lane.High => EmailPriority.High,
        Lane.Bulk => EmailPriority.Bulk,
        _ => EmailPriority.Normal,
    };

    /// <summary>The lane named <paramref name="name"/> (as <see cref="Name"/> writes it); false for anything else.</summary>
    public static bool TryParse(string? name, out Lane lane)
    {
        (var known, lane) = name switch
        {
            EmailPriority.High => (true, Lane.High),
            EmailPriority.Normal => (true, Lane.Normal),
            EmailPriority.Bulk => (true, Lane.Bulk),
            _ => (false, Lane.Normal),
        };
        return known;
    }
}
