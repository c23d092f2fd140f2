namespace EmailWorker.Messages;

/// <summary>
/// What earlier handling left in a message's headers. Counted in our own headers, never from <c>x-death</c>.
/// </summary>
/// <param name="Attempts">SMTP attempts made so far, including those that ended in a return to the work queue.</param>
/// <param name="FirstAttemptAt">When the first attempt was made.</param>
/// <param name="History">Every attempt and replay, newest last, capped at <see cref="MaxHistoryEntries"/>.</param>
/// <param name="LastRetryDelay">The delay of the retry tier the message last went through; null before its first retry.
/// Stored as the delay, not a tier index, so a changed schedule still continues after the delay already waited.</param>
/// <param name="Recipients">The recipients still owed the mail; null for every recipient of the command.</param>
/// <param name="SystemReturns">Times the message went back to the work queue for a fault that was not its own.</param>
/// <param name="ReplayCount">Times an operator replayed it from the dead letters.</param>
internal sealed record AttemptState(
    int Attempts,
    DateTimeOffset? FirstAttemptAt,
    IReadOnlyList<HistoryEntry> History,
    TimeSpan? LastRetryDelay,
    IReadOnlyList<string>? Recipients,
    int SystemReturns,
    int ReplayCount)
{
    public const int MaxHistoryEntries = 25;

    public static readonly AttemptState New = new(0, null, [], null, null, 0, 0);

    /// <summary>The history with one more entry, keeping the first entry and the newest ones when it is full.</summary>
    public IReadOnlyList<HistoryEntry> HistoryWith(HistoryEntry entry)
    {
        var history = new List<HistoryEntry>(History) { entry };
        if (history.Count > MaxHistoryEntries)
            history.RemoveAt(1);
        return history;
    }
}
