namespace EmailWorker.Scheduling;

/// <summary>
/// Messages held until their <c>sendAt</c>, in the dead-letter store's database (table <c>scheduled_messages</c>, one row
/// per message id). Held rows are released by a worker's <c>Worker/ScheduledReleaser</c>, which claims due rows with a
/// lease so two workers on one PostgreSQL store never publish one twice; a cancel refuses a row under a live lease.
/// </summary>
internal interface IScheduledStore
{
    /// <summary>Which database it is (no credentials), for logs.</summary>
    string Description { get; }

    /// <summary>
    /// Keeps the message durably (committed when this returns); false when its id is in the table already — held, released
    /// or cancelled before: a redelivery or a duplicate publish, which is then acked without holding it again.
    /// </summary>
    Task<bool> HoldAsync(HeldMessage message, CancellationToken cancellationToken);

    /// <summary>The earliest <c>sendAt</c> of the held messages no live lease covers at <paramref name="now"/>; null when none is held.</summary>
    Task<DateTimeOffset?> NextSendAtAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Leases up to <paramref name="limit"/> held messages due at <paramref name="now"/> (earliest first) to
    /// <paramref name="owner"/> until <paramref name="leaseUntil"/>: no other claim and no cancel takes them meanwhile.
    /// </summary>
    Task<IReadOnlyList<HeldMessage>> ClaimDueAsync(string owner, DateTimeOffset now, DateTimeOffset leaseUntil, int limit, CancellationToken cancellationToken);

    /// <summary>Marks a claimed message released (its body dropped) once the broker confirmed it; false when the lease was lost.</summary>
    Task<bool> MarkReleasedAsync(string messageId, string owner, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Gives up the owner's lease of messages it claimed and did not publish, so the next claim takes them at once.</summary>
    Task FreeLeasesAsync(IReadOnlyCollection<string> messageIds, string owner, CancellationToken cancellationToken);

    /// <summary>Cancels a held message (its body dropped) unless a live lease covers it; says what it found.</summary>
    Task<CancelOutcome> CancelScheduledAsync(string messageId, string by, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>
    /// Entries in (<c>sendAt</c>, message id) order after the given keyset cursor (null: from the first), at most
    /// <paramref name="limit"/>; with <paramref name="state"/>, only those in it.
    /// </summary>
    Task<IReadOnlyList<ScheduledEntry>> ListScheduledAsync(ScheduledState? state, (DateTimeOffset SendAt, string MessageId)? after, int limit,
        CancellationToken cancellationToken);

    /// <summary>One entry by message id; null when there is none.</summary>
    Task<ScheduledEntry?> GetScheduledAsync(string messageId, CancellationToken cancellationToken);
}
