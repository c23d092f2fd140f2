namespace EmailWorker.Webhooks;

/// <summary>
/// The webhook outbox in the dead-letter store's database (implemented by <c>DeadLetters.Store.SqlDeadLetterStore</c>).
/// Rows are claimed with a lease, so several workers sharing one PostgreSQL store never send a row at once; every change
/// after a claim names the claim's owner and does nothing when the lease was lost.
/// </summary>
internal interface IWebhookStore
{
    /// <summary>Adds the entries in one transaction; an entry already there (same endpoint and webhook id) is skipped. Returns how many were new.</summary>
    Task<int> AddToOutboxAsync(IReadOnlyCollection<OutboxEntry> entries, CancellationToken cancellationToken);

    /// <summary>Claims up to <paramref name="limit"/> pending rows of these endpoints that are due and not leased by another, oldest due first.</summary>
    Task<IReadOnlyList<OutboxRow>> ClaimDueAsync(IReadOnlyCollection<string> endpoints, string owner, DateTimeOffset now, DateTimeOffset leaseUntil,
        int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Records a wave's attempts in one transaction, each under the owner's lease: the row's new state, when it is next
    /// due, the reply. Returns the ids recorded (a row whose lease was lost is left as it is).
    /// </summary>
    Task<IReadOnlySet<long>> RecordAttemptsAsync(IReadOnlyCollection<AttemptRecord> attempts, string owner, DateTimeOffset now, CancellationToken cancellationToken);

    Task DisableEndpointAsync(DisabledEndpoint endpoint, CancellationToken cancellationToken);

    Task<IReadOnlyList<DisabledEndpoint>> DisabledEndpointsAsync(CancellationToken cancellationToken);

    /// <summary>Makes failed rows (these ids, or every failed row of the endpoint) pending and due now, and enables the endpoint again. Returns how many.</summary>
    Task<int> ReplayWebhooksAsync(IReadOnlyCollection<long>? ids, string? endpoint, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Rows in a state (optionally of one endpoint), newest first, after <paramref name="beforeId"/> when paging.</summary>
    Task<IReadOnlyList<OutboxRow>> ListOutboxAsync(OutboxState state, string? endpoint, long? beforeId, int limit, CancellationToken cancellationToken);

    /// <summary>Rows per endpoint and state (reads every row's index entry: for the commands and the dashboard).</summary>
    Task<IReadOnlyList<OutboxCounts>> CountOutboxAsync(CancellationToken cancellationToken);

    /// <summary>Pending rows per endpoint (one index range: cheap enough for the metrics).</summary>
    Task<IReadOnlyDictionary<string, long>> CountPendingAsync(CancellationToken cancellationToken);

    /// <summary>Deletes delivered rows last changed before the time; returns how many.</summary>
    Task<long> DeleteDeliveredWebhooksAsync(DateTimeOffset before, CancellationToken cancellationToken);
}
