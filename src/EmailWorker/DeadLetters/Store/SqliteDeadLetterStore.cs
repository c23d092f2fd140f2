using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace EmailWorker.DeadLetters.Store;

/// <summary>
/// The embedded store: one SQLite file, <c>dead-letters.db</c>, in the data directory, in WAL mode so readers (the CLI, a
/// dashboard) never block the ingester's commits and the other way round. One host only: the file lives on its disk.
/// </summary>
internal sealed class SqliteDeadLetterStore : SqlDeadLetterStore
{
    public const string FileName = "dead-letters.db";

    /// <summary>How long a statement waits for another process's write lock before it fails.</summary>
    public static readonly TimeSpan LockWait = TimeSpan.FromSeconds(30);
    private readonly string _connectionString;

    private SqliteDeadLetterStore(string path) : base(SqlDialect.Sqlite)
    {
        Path = path;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = (int)LockWait.TotalSeconds,
        }.ToString();
    }

    public string Path { get; }

    public override string Description => $"SQLite {Path}";

    public static async Task<SqliteDeadLetterStore> OpenAsync(string dataDirectory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(dataDirectory);
        var store = new SqliteDeadLetterStore(System.IO.Path.GetFullPath(System.IO.Path.Combine(dataDirectory, FileName)));
        await using (var connection = await store.OpenConnectionAsync(cancellationToken))
        {
            // Persistent in the file. synchronous stays FULL: a letter is acked on the broker once committed here, so the
            // commit must survive a power cut, not only a crash of this process.
            await connection.ExecuteAsync("PRAGMA journal_mode = WAL", null, cancellationToken);
        }
        await store.MigrateAsync(cancellationToken);
        return store;
    }

    protected override async ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    protected override bool FindsSuppressionsOnLedgerConnection => true;

    /// <summary>The delivered ledger's own connection, outside the pool: its session setting must reach no letter's connection.</summary>
    protected override async ValueTask<DbConnection> OpenLedgerConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder(_connectionString) { Pooling = false }.ToString());
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    protected override ValueTask ClosePoolAsync()
    {
        // Pooled connections hold the file open; only this store's pool is cleared (others may be open in this process).
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
        return ValueTask.CompletedTask;
    }
}
