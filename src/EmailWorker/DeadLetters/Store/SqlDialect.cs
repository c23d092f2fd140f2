namespace EmailWorker.DeadLetters.Store;

/// <summary>
/// What differs between SQLite and PostgreSQL for this store; everything else is the same SQL. Both take named
/// <c>@parameters</c>, <c>ON CONFLICT … DO NOTHING</c> and <c>RETURNING</c>.
/// </summary>
internal sealed record SqlDialect(
    string Identity,
    string ReferenceKey,
    string Blob,
    Func<string, string, string> ContainsIgnoringCase,
    string? MigrationLock,
    string? JobLock,
    string? DurableCommit,
    string JobRowLock,
    string LedgerSession,
    string BodyLength)
{
    public static readonly SqlDialect Sqlite = new(
        "INTEGER PRIMARY KEY AUTOINCREMENT",
        // The table's own rowid: no second index beside it.
        "INTEGER PRIMARY KEY",
        "BLOB",
        (column, parameter) => $"instr(lower({column}), lower({parameter})) > 0",
        // BEGIN IMMEDIATE (Microsoft.Data.Sqlite's default) already holds the file's write lock.
        MigrationLock: null,
        JobLock: null,
        // synchronous stays FULL (the default) on every connection: nothing to set per transaction.
        DurableCommit: null,
        // A write transaction holds the file's lock from its BEGIN IMMEDIATE: reading a row takes nothing more.
        JobRowLock: "",
        // The delivered ledger's own connection (never pooled, so no letter's connection inherits it): in WAL mode NORMAL
        // skips the fsync per commit, which made the ledger's claims wait for the disk on the SMTP connection's path. A
        // commit then survives a crash of this process (it is in the WAL, in the OS's cache) but not a power cut of the
        // host, which may take the last commits: a recipient is then sent again without being reported in doubt (README,
        // "The delivered ledger": Durability).
        LedgerSession: "PRAGMA synchronous = NORMAL",
        // The size from the record's header: the blob itself is not read.
        BodyLength: "length");

    public static readonly SqlDialect Postgres = new(
        "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
        "BIGINT PRIMARY KEY",
        "BYTEA",
        (column, parameter) => $"strpos(lower({column}), lower({parameter})) > 0",
        // Several hosts may open the store at once: one migrates, the others wait and then find it done.
        MigrationLock: "SELECT pg_advisory_xact_lock(7401208512)",
        // Two replays started at once must not both see "no job running" and both start.
        JobLock: "SELECT pg_advisory_xact_lock(7401208513)",
        // A letter is acked on the broker once its insert commits: the commit must be on disk, whatever the server's
        // default. With synchronous_commit off, a database crash loses the last commits — letters the broker has forgotten.
        DurableCommit: "SET LOCAL synchronous_commit TO on",
        // Reading a job's row to update it: wait for its row lock first.
        JobRowLock: " FOR UPDATE",
        // The ledger's database lives apart from the workers (shared by several hosts): its commits stay durable on the
        // server (a WAL flush, shared by the group commit's writes), for the session the ledger holds.
        LedgerSession: "SET synchronous_commit TO on",
        BodyLength: "octet_length");
}
