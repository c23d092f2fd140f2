namespace EmailWorker.Diagnostics;

/// <summary>
/// The dead-letter store's size for its gauge (<c>emailworker.dead_letters</c>), kept by <c>DeadLetters/Store/DeadLetterCounter</c>.
/// </summary>
internal interface IDeadLetterCount
{
    /// <summary>Letters in the store now (not replayed or purged); null while unknown.</summary>
    long? Current { get; }
}
