namespace EmailWorker.Observability;

/// <summary>
/// The hook for the dead-letter store's size gauge (<c>emailworker.dead_letters</c>). The store (DESIGN §7) is not part of
/// the worker yet: whoever adds it registers an implementation, and the gauge reports it from then on.
/// </summary>
internal interface IDeadLetterCount
{
    /// <summary>Letters in the store now (not replayed or purged); null while unknown.</summary>
    long? Current { get; }
}
