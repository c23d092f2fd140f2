namespace EmailWorker.DeadLetters.Store;

/// <summary>
/// An edit of a letter that is not dead (any more): replayed, purged or edited by someone else first (<see cref="State"/>),
/// or not stored at all (null). Nothing was changed.
/// </summary>
internal sealed class LetterNotEditableException(string letterId, LetterState? state)
    : InvalidOperationException(state is { } now ? $"letter {letterId} is {now.ToString().ToLowerInvariant()}, not dead: only a dead letter can be edited" : $"there is no letter {letterId}")
{
    public string LetterId { get; } = letterId;

    public LetterState? State { get; } = state;
}
