namespace EmailWorker.DeadLetters.Store;

/// <summary>
/// The record of every dead letter (DESIGN §7): SQLite or PostgreSQL behind one contract. Every read that can match many
/// letters pages by keyset and never holds more than a page; every write is one transaction.
/// </summary>
internal interface IDeadLetterStore : IAsyncDisposable
{
    /// <summary>Where the store is, for logs: a file path, or host and database (never credentials).</summary>
    string Description { get; }

    /// <summary>The dashboard's data-protection key elements (XML), in the order they were stored.</summary>
    Task<IReadOnlyList<string>> ReadDashboardKeysAsync(CancellationToken cancellationToken);

    /// <summary>Adds one key element under its unique name; a name already stored is left as it is.</summary>
    Task StoreDashboardKeyAsync(string name, string xml, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Stores the letters whose id is not stored yet, in one transaction; returns how many were new.</summary>
    Task<int> InsertAsync(IReadOnlyCollection<IngestedLetter> letters, CancellationToken cancellationToken);

    /// <summary>Every match as a summary (no content), page by page (bounded memory), at most <paramref name="limit"/> letters.</summary>
    IAsyncEnumerable<DeadLetter> StreamAsync(LetterSelection filter, long? limit = null, LetterOrder order = LetterOrder.OldestFirst,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Every match in full (body, headers, history), page by page, at most <paramref name="limit"/> letters: each page at
    /// most 100 letters and <see cref="LetterBudget.BytesPerRead"/> of bodies (at least one letter).
    /// </summary>
    IAsyncEnumerable<DeadLetter> StreamFullAsync(LetterSelection filter, long? limit = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// The matches after sequence <paramref name="after"/> in full, oldest first: at most <paramref name="size"/> letters whose
    /// bodies together stay within <paramref name="maxBytes"/>, but always at least one (the body sizes are read first).
    /// </summary>
    Task<LetterPage> FullPageAsync(LetterSelection filter, long after, int size, long maxBytes, CancellationToken cancellationToken);

    /// <summary>
    /// One letter with its content but at most the first <paramref name="bodyBytes"/> bytes of its body (its
    /// <see cref="LetterContent.BodyLength"/> the whole size), for display; null if there is none.
    /// </summary>
    Task<DeadLetter?> PreviewAsync(string letterId, int bodyBytes, CancellationToken cancellationToken);

    /// <summary>The page of summaries after cursor <paramref name="after"/> (null: the first page).</summary>
    Task<LetterPage> PageAsync(LetterSelection filter, long? after, int size, LetterOrder order, CancellationToken cancellationToken);

    Task<long> CountAsync(LetterSelection filter, CancellationToken cancellationToken);

    /// <summary>
    /// The sequence number of the newest stored letter (0 when there is none). A dry run takes it before it counts, and its
    /// confirmation acts on <see cref="LetterSelection.UpTo"/> it: letters stored in between are not part of what was confirmed.
    /// </summary>
    Task<long> NewestSequenceAsync(CancellationToken cancellationToken);

    /// <summary>The largest groups among the matches, most letters first.</summary>
    Task<IReadOnlyList<LetterGroup>> GroupsAsync(LetterSelection filter, int limit, CancellationToken cancellationToken);

    Task<DeadLetter?> GetAsync(string letterId, CancellationToken cancellationToken);

    /// <summary>The letters of one message, oldest first (a message can be dead-lettered more than once), at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<DeadLetter>> GetByMessageIdAsync(string messageId, int limit, CancellationToken cancellationToken);

    /// <summary>Marks the named letters that are still dead as replayed; returns how many it marked.</summary>
    Task<int> MarkReplayedAsync(IReadOnlyCollection<string> letterIds, LetterMark mark, CancellationToken cancellationToken);

    /// <summary>Marks the named letters that are still dead as purged; returns how many it marked.</summary>
    Task<int> MarkPurgedAsync(IReadOnlyCollection<string> letterIds, LetterMark mark, CancellationToken cancellationToken);

    /// <summary>
    /// Marks every dead letter that matches the filter when it starts (or up to its <see cref="LetterSelection.UpTo"/>) as purged (in transactions of 5,000 letters, so
    /// an interrupted purge has purged a prefix of the selection); returns how many.
    /// </summary>
    Task<long> PurgeAsync(LetterSelection filter, LetterMark mark, CancellationToken cancellationToken);

    /// <summary>Deletes letters replayed or purged before <paramref name="before"/>, and replay jobs ended before it; returns the letters deleted.</summary>
    Task<long> DeleteHistoryAsync(DateTimeOffset before, CancellationToken cancellationToken);

    /// <summary>
    /// A replay job over the dead letters matching the filter now, in store order; later letters never join it. Refused with
    /// <see cref="ReplayJobBusyException"/> while another job is in progress, and with <see cref="ReplayJobInterruptedException"/>
    /// while an interrupted job has a window published and not marked (resume or abandon it first); so is the overload by ids.
    /// </summary>
    Task<ReplayJob> CreateReplayJobAsync(LetterSelection filter, string selection, LetterMark created, CancellationToken cancellationToken);

    /// <summary>A replay job over the named letters that are stored and dead now, in store order.</summary>
    Task<ReplayJob> CreateReplayJobAsync(IReadOnlyCollection<string> letterIds, string selection, LetterMark created, CancellationToken cancellationToken);

    Task<ReplayJob?> GetReplayJobAsync(long jobId, CancellationToken cancellationToken);

    /// <summary>The newest jobs first.</summary>
    Task<IReadOnlyList<ReplayJob>> ListReplayJobsAsync(int limit, CancellationToken cancellationToken);

    /// <summary>
    /// The job's letters at positions after <paramref name="after"/> up to <paramref name="until"/>, in full, whatever their
    /// state now, however big: for a few letters known to be small (tests); readers of a job take the overload with a budget.
    /// </summary>
    Task<IReadOnlyList<JobLetter>> ReadJobLettersAsync(long jobId, long after, long until, CancellationToken cancellationToken);

    /// <summary>
    /// The job's letters after position <paramref name="after"/> up to <paramref name="until"/> in full, as many as fit in
    /// <paramref name="maxBytes"/> of bodies (at least one); the batch says up to which position it got.
    /// </summary>
    Task<JobLetterBatch> ReadJobLettersAsync(long jobId, long after, long until, long maxBytes, CancellationToken cancellationToken);

    /// <summary>
    /// Takes the job for one run (<paramref name="runner"/>, a token of its own) and sets it running. Only the run that holds
    /// a job moves it on. Refused with <see cref="ReplayJobBusyException"/> while another run holds it and renewed its hold
    /// within <see cref="SqlDeadLetterStore.ActiveJobSilence"/>; a completed or cancelled job is returned as it is.
    /// </summary>
    Task<ReplayJob> ClaimReplayJobAsync(long jobId, string runner, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>The run's heartbeat, stamped with <paramref name="clock"/>'s time once the job's row is locked; false when it no longer holds the job.</summary>
    Task<bool> RenewReplayJobAsync(long jobId, string runner, TimeProvider clock, CancellationToken cancellationToken);

    /// <summary>Ends the run's hold with the job's state (running when interrupted: another run may resume it at once).</summary>
    Task<ReplayJob> ReleaseReplayJobAsync(long jobId, string runner, ReplayJobState state, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>
    /// In one transaction: marks <paramref name="replayedIds"/> replayed (those still dead), counts <paramref name="skipped"/>,
    /// moves the job's cursor to <paramref name="position"/> and records that letters up to <paramref name="inFlightUntil"/>
    /// may be published from now on. A kill before this commits sends those letters again on a resume.
    /// </summary>
    Task<ReplayJob> AdvanceReplayJobAsync(long jobId, string runner, long position, IReadOnlyCollection<string> replayedIds, int skipped,
        long inFlightUntil, LetterMark mark, CancellationToken cancellationToken);

    /// <summary>Records, before letters are published, that the job's letters up to <paramref name="until"/> may be in flight.</summary>
    Task<ReplayJob> BeginReplayWindowAsync(long jobId, string runner, long until, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>
    /// Gives a job up for good (cancelled: never resumed). Letters of its unmarked window stay dead, and a new job sends them
    /// again. Refused with <see cref="ReplayJobBusyException"/> while a run holds it; an ended job is returned as it is.
    /// </summary>
    Task<ReplayJob> AbandonReplayJobAsync(long jobId, DateTimeOffset at, CancellationToken cancellationToken);

    Task<ReplayJob> SetReplayJobStateAsync(long jobId, ReplayJobState state, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>
    /// Edit &amp; retry, in one transaction: marks the dead letter <paramref name="originalLetterId"/> edited, stores
    /// <paramref name="edited"/> (its edited copy) as a new dead letter, creates a replay job of that copy alone (run it as any
    /// job: resumed or abandoned the same way), and keeps both bodies, who and the audit entry. Refused with
    /// <see cref="LetterNotEditableException"/> when the letter is not dead (replayed, purged or edited first), and like a new
    /// replay with <see cref="ReplayJobBusyException"/> or <see cref="ReplayJobInterruptedException"/>; nothing changes then.
    /// </summary>
    Task<QueuedEdit> EditAsync(string originalLetterId, IngestedLetter edited, LetterMark mark, string role, CancellationToken cancellationToken);

    /// <summary>The edit that replaced this letter or made it; null when there is none.</summary>
    Task<LetterEdit?> GetEditAsync(string letterId, CancellationToken cancellationToken);

    /// <summary>Appends an operator action to the audit log; returns it with its id.</summary>
    Task<AuditEntry> AppendAuditAsync(AuditEntry entry, CancellationToken cancellationToken);

    /// <summary>The audit log newest first: at most <paramref name="limit"/> entries older than id <paramref name="before"/> (null: the newest).</summary>
    Task<IReadOnlyList<AuditEntry>> ListAuditAsync(long? before, int limit, CancellationToken cancellationToken);
}
