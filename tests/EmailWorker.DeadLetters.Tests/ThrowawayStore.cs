using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;
using EmailWorker.DeadLetters.Store;

namespace EmailWorker.DeadLetters.Tests;

/// <summary>
/// The place of one test's dead-letter store of the fixture's <see cref="StoreKind"/>, shared by the fixtures instead of each
/// keeping a copy: a temp directory (<c>emailworker-{name}-…</c>) or a database of its own on the shared PostgreSQL cluster
/// (<c>{name}_…</c>), made on first use. Every store opened on it is on the same file or database, so a second open is a
/// second worker or a reopen; a test of migrations writes an older schema into it by hand before the first store opens it.
/// <see cref="CleanUpAsync"/> disposes the stores opened, deletes the directory or drops the database and leaves it unmade
/// again, since one fixture object runs all of its tests.
/// </summary>
internal sealed class ThrowawayStore(StoreKind kind, string name)
{
    private readonly List<SqlDeadLetterStore> _opened = [];
    private string? _directory;
    private string? _database;

    public SqlDialect Dialect => kind == StoreKind.Sqlite ? SqlDialect.Sqlite : SqlDialect.Postgres;

    /// <summary>A store on this test's directory or database, made first when this is the first use.</summary>
    public async Task<SqlDeadLetterStore> OpenAsync(CancellationToken cancellation)
    {
        SqlDeadLetterStore store;
        if (kind == StoreKind.Sqlite)
            store = await SqliteDeadLetterStore.OpenAsync(_directory ??= NewDirectory(), cancellation);
        else
            store = await PostgresDeadLetterStore.OpenAsync((await ServersSetUp.PostgresAsync()).ConnectionString(_database ??= await NewDatabaseAsync()),
                cancellation);
        _opened.Add(store);
        return store;
    }

    /// <summary>Disposes the stores opened so far and opens the same file or database again.</summary>
    public async Task<SqlDeadLetterStore> ReopenAsync(CancellationToken cancellation)
    {
        await DisposeOpenedAsync();
        return await OpenAsync(cancellation);
    }

    /// <summary>Writes into a new empty database the schema as the first <paramref name="version"/> migrations left it.</summary>
    public async Task WriteOlderSchemaAsync(int version)
    {
        await using var connection = await OpenRawAtVersionAsync(version);
    }

    /// <summary>
    /// An open connection to a new empty database holding the schema as the first <paramref name="version"/> migrations
    /// left it, for a test to write rows of that schema before <see cref="OpenAsync"/> migrates it.
    /// </summary>
    public async Task<DbConnection> OpenRawAtVersionAsync(int version)
    {
        var connection = await OpenEmptyRawAsync();
        foreach (var statement in StoreSchema.Migrations(Dialect).Take(version).SelectMany(m => m).Prepend("CREATE TABLE schema_version (version INTEGER NOT NULL)"))
            await ExecuteAsync(connection, statement);
        for (var applied = 1; applied <= version; applied++)
            await ExecuteAsync(connection, $"INSERT INTO schema_version (version) VALUES ({applied})");
        return connection;
    }

    /// <summary>
    /// An open connection, not a store, to the file or database of the stores opened (or of the older schema written).
    /// SQLite's is never pooled, so that disposing it lets the file go; PostgreSQL's is pooled unless
    /// <paramref name="postgresPooling"/> is false.
    /// </summary>
    public async Task<DbConnection> OpenRawAsync(bool postgresPooling)
    {
        DbConnection connection = kind == StoreKind.Sqlite
            ? new SqliteConnection(new SqliteConnectionStringBuilder
            {
                DataSource = Path.Combine(_directory ?? throw NotMade(), SqliteDeadLetterStore.FileName),
                Mode = SqliteOpenMode.ReadWriteCreate,
                Pooling = false,
            }.ToString())
            : new NpgsqlConnection(new NpgsqlConnectionStringBuilder((await ServersSetUp.PostgresAsync()).ConnectionString(_database ?? throw NotMade()))
            {
                Pooling = postgresPooling,
            }.ToString());
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>Runs one statement, with its <c>@name</c> parameters, on a raw connection.</summary>
    public static async Task ExecuteAsync(DbConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (parameterName, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = parameterName;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Disposes the stores opened, deletes the directory or drops the database; the next test starts with none.</summary>
    public async Task CleanUpAsync()
    {
        await DisposeOpenedAsync();
        if (_directory is not null)
            Directory.Delete(_directory, recursive: true);
        if (_database is not null)
            await (await ServersSetUp.PostgresAsync()).DropDatabaseAsync(_database);
        (_directory, _database) = (null, null);
    }

    private async Task DisposeOpenedAsync()
    {
        foreach (var store in _opened)
            await store.DisposeAsync();
        _opened.Clear();
    }

    /// <summary>An open connection, not a store, to a new empty directory's database file or a new database.</summary>
    private async Task<DbConnection> OpenEmptyRawAsync()
    {
        if (_directory is not null || _database is not null)
            throw new InvalidOperationException("An older schema is written into an empty database, before any store is opened on it.");
        if (kind == StoreKind.Sqlite)
            _directory = NewDirectory();
        else
            _database = await NewDatabaseAsync();
        return await OpenRawAsync(postgresPooling: true);
    }

    private static InvalidOperationException NotMade() => new("No store has been opened yet, nor an empty raw connection.");

    private string NewDirectory() => Directory.CreateTempSubdirectory($"emailworker-{name}-").FullName;

    private async Task<string> NewDatabaseAsync()
    {
        var database = $"{name.Replace('-', '_')}_{Guid.NewGuid():N}";
        await (await ServersSetUp.PostgresAsync()).CreateDatabaseAsync(database);
        return database;
    }
}
