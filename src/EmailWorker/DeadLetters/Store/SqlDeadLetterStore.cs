using System.Data.Common;

namespace EmailWorker.DeadLetters.Store;

/// <summary>
/// The store on an SQL database through ADO.NET; <see cref="SqliteDeadLetterStore"/> and <see cref="PostgresDeadLetterStore"/>
/// give it a connection and a <see cref="SqlDialect"/>. Each operation takes a pooled connection for as long as it runs, so
/// a stream never holds a reader (or SQLite's WAL) open between pages.
/// </summary>
internal abstract partial class SqlDeadLetterStore(SqlDialect dialect) : IDeadLetterStore
{
    /// <summary>Letters read per page while streaming; also the chunk for id lists.</summary>
    public const int PageSize = 500;

    protected SqlDialect Dialect { get; } = dialect;

    public abstract string Description { get; }

    protected abstract ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken);

    /// <summary>Closes the pooled connections (after the ledger's own).</summary>
    protected abstract ValueTask ClosePoolAsync();

    public async ValueTask DisposeAsync()
    {
        await DisposeLedgerConnectionAsync();
        await ClosePoolAsync();
    }

    /// <summary>Creates the tables, or brings an older schema up to date, in one transaction.</summary>
    protected async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (Dialect.MigrationLock is { } lockSql)
            await connection.ExecuteAsync(lockSql, transaction, cancellationToken);
        await connection.ExecuteAsync("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)", transaction, cancellationToken);
        await using var read = connection.Command("SELECT MAX(version) FROM schema_version", transaction);
        var version = await read.ExecuteScalarAsync(cancellationToken) is { } value and not DBNull ? Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        var migrations = StoreSchema.Migrations(Dialect);
        if (version > migrations.Count)
            throw new InvalidOperationException(
                $"The dead-letter store {Description} has schema version {version}, newer than this emailworker knows ({migrations.Count}): upgrade emailworker");
        for (var next = version; next < migrations.Count; next++)
        {
            foreach (var statement in migrations[next])
                await connection.ExecuteAsync(statement, transaction, cancellationToken);
            await connection.ExecuteAsync($"INSERT INTO schema_version (version) VALUES ({next + 1})", transaction, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    private async Task<T> InTransactionAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var result = await work(connection, transaction);
        await transaction.CommitAsync(cancellationToken);
        return result;
    }
}
