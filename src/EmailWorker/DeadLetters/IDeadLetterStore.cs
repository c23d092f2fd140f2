namespace EmailWorker.DeadLetters;

/// <summary>
/// The record of every dead letter (DESIGN §7): SQLite or PostgreSQL behind one contract. Every read that can match many
/// letters pages by keyset and never holds more than a page; every write is one transaction.
/// </summary>
internal interface IDeadLetterStore : IAsyncDisposable
{
    /// <summary>Where the store is, for logs: a file path, or host and database (never credentials).</summary>
    string Description { get; }

    /// <summary>Stores the letters whose id is not stored yet, in one transaction; returns how many were new.</summary>
    Task<int> InsertAsync(IReadOnlyCollection<DeadLetterRecord> letters, CancellationToken cancellationToken);

    /// <summary>Every match, page by page (bounded memory), at most <paramref name="limit"/> letters.</summary>
    IAsyncEnumerable<LetterSummary> StreamAsync(LetterFilter filter, long? limit = null, LetterOrder order = LetterOrder.OldestFirst,
        CancellationToken cancellationToken = default);

    /// <summary>Every match in full (body, headers, history), page by page, at most <paramref name="limit"/> letters.</summary>
    IAsyncEnumerable<StoredLetter> StreamFullAsync(LetterFilter filter, long? limit = null, CancellationToken cancellationToken = default);

    /// <summary>The page after cursor <paramref name="after"/> (null: the first page).</summary>
    Task<LetterPage> PageAsync(LetterFilter filter, long? after, int size, LetterOrder order, CancellationToken cancellationToken);

    Task<long> CountAsync(LetterFilter filter, CancellationToken cancellationToken);

    /// <summary>The largest groups among the matches, most letters first.</summary>
    Task<IReadOnlyList<LetterGroup>> GroupsAsync(LetterFilter filter, int limit, CancellationToken cancellationToken);

    Task<StoredLetter?> GetAsync(string letterId, CancellationToken cancellationToken);

    /// <summary>The letters of one message, oldest first (a message can be dead-lettered more than once), at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<StoredLetter>> GetByMessageIdAsync(string messageId, int limit, CancellationToken cancellationToken);

    /// <summary>Marks the named letters that are still dead as replayed; returns how many it marked.</summary>
    Task<int> MarkReplayedAsync(IReadOnlyCollection<string> letterIds, LetterMark mark, CancellationToken cancellationToken);

    /// <summary>Marks the named letters that are still dead as purged; returns how many it marked.</summary>
    Task<int> MarkPurgedAsync(IReadOnlyCollection<string> letterIds, LetterMark mark, CancellationToken cancellationToken);

    /// <summary>
    /// Marks every dead letter that matches the filter when it starts as purged (in transactions of 5,000 letters, so
    /// an interrupted purge has purged a prefix of the selection); returns how many.
    /// </summary>
    Task<long> PurgeAsync(LetterFilter filter, LetterMark mark, CancellationToken cancellationToken);

    /// <summary>Deletes letters replayed or purged before <paramref name="before"/>, and replay jobs ended before it; returns the letters deleted.</summary>
    Task<long> DeleteHistoryAsync(DateTimeOffset before, CancellationToken cancellationToken);

    /// <summary>A replay job over the dead letters matching the filter now, in store order; later letters never join it.</summary>
    Task<ReplayJob> CreateReplayJobAsync(LetterFilter filter, string selection, LetterMark created, CancellationToken cancellationToken);

    /// <summary>A replay job over the named letters that are stored and dead now, in store order.</summary>
    Task<ReplayJob> CreateReplayJobAsync(IReadOnlyCollection<string> letterIds, string selection, LetterMark created, CancellationToken cancellationToken);

    Task<ReplayJob?> GetReplayJobAsync(long jobId, CancellationToken cancellationToken);

    /// <summary>The newest jobs first.</summary>
    Task<IReadOnlyList<ReplayJob>> ListReplayJobsAsync(int limit, CancellationToken cancellationToken);

    /// <summary>The next letters of the job after its cursor, in full, at most <paramref name="size"/>; whatever their state now.</summary>
    Task<IReadOnlyList<JobLetter>> ReadJobWindowAsync(long jobId, int size, CancellationToken cancellationToken);

    /// <summary>
    /// In one transaction: marks <paramref name="replayedIds"/> replayed (those still dead), counts <paramref name="skipped"/>,
    /// and moves the job's cursor to <paramref name="position"/>. A kill before this commits replays that window again.
    /// </summary>
    Task<ReplayJob> AdvanceReplayJobAsync(long jobId, long position, IReadOnlyCollection<string> replayedIds, int skipped, LetterMark mark,
        CancellationToken cancellationToken);

    /// <summary>Records, before a window is published, that the job's letters up to <paramref name="until"/> may be in flight.</summary>
    Task<ReplayJob> BeginReplayWindowAsync(long jobId, long until, DateTimeOffset at, CancellationToken cancellationToken);

    Task<ReplayJob> SetReplayJobStateAsync(long jobId, ReplayJobState state, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Appends an operator action to the audit log; returns it with its id.</summary>
    Task<AuditEntry> AppendAuditAsync(AuditEntry entry, CancellationToken cancellationToken);

    /// <summary>The audit log newest first: at most <paramref name="limit"/> entries older than id <paramref name="before"/> (null: the newest).</summary>
    Task<IReadOnlyList<AuditEntry>> ListAuditAsync(long? before, int limit, CancellationToken cancellationToken);
}
