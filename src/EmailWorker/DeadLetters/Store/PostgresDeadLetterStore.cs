using System.Data.Common;
using Npgsql;

namespace EmailWorker.DeadLetters.Store;

/// <summary>
/// The shared store: a PostgreSQL database named by a connection string, for several hosts that ingest and operate on the
/// same dead letters. The connection string holds a password: only host and database ever appear in logs and errors.
/// </summary>
internal sealed class PostgresDeadLetterStore : SqlDeadLetterStore
{
    private readonly NpgsqlDataSource _dataSource;

    private PostgresDeadLetterStore(NpgsqlDataSource dataSource, string description) : base(SqlDialect.Postgres)
    {
        _dataSource = dataSource;
        Description = description;
    }

    public override string Description { get; }

    public static async Task<PostgresDeadLetterStore> OpenAsync(string connectionString, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        // The ingester runs the same insert hundreds of times per batch: prepared once per connection, it is parsed and
        // planned once (unless the operator chose a setting of their own).
        if (builder.MaxAutoPrepare == 0)
            builder.MaxAutoPrepare = 32;
        var store = new PostgresDeadLetterStore(NpgsqlDataSource.Create(builder), $"PostgreSQL {builder.Host}:{builder.Port}/{builder.Database}");
        try
        {
            await store.MigrateAsync(cancellationToken);
            return store;
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    protected override async ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken);

    protected override ValueTask ClosePoolAsync() => _dataSource.DisposeAsync();
}
