namespace EmailWorker.Routing;

/// <summary>
/// A message's fate, decided by <see cref="FatePlanner"/>: the moves to publish (each confirmed before the source is
/// acked), what to report once they are durable, whether the relay breaker must open, and whether the source is instead
/// given back to the broker untouched (<see cref="Requeue"/>: only when nothing was tried).
/// </summary>
internal sealed record Plan(IReadOnlyList<Move> Moves, IReadOnlyList<Report> Reports, string? TripBreaker = null, bool Requeue = false)
{
    /// <summary>Nothing was tried and nothing is recorded: the broker redelivers the message as it was.</summary>
    public static readonly Plan GiveBack = new([], [], Requeue: true);
}
