using System.Data.Common;

namespace EmailWorker.DeadLetters.Store;

/// <summary>
/// The delivered ledger's own connection. Every claim and record of a busy worker goes through it (one group commit at a
/// time), so it stays open, is set up once with the dialect's <see cref="SqlDialect.LedgerSession"/> (its durability),
/// and keeps each statement it ran, compiled, for the next batch. A failed batch closes it: the next one opens it afresh.
/// </summary>
internal sealed class LedgerConnection(Func<CancellationToken, ValueTask<DbConnection>> open, string sessionSetUp) : IAsyncDisposable
{
    private const int MaxKeptCommands = 256;
    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly Dictionary<(string Statement, int Rows), DbCommand> _commands = [];
    private DbConnection? _connection;

    /// <summary>Runs <paramref name="work"/> in one transaction of its own on this connection, one caller at a time.</summary>
    public Task<T> InTransactionAsync<T>(Func<DbTransaction, Task<T>> work, CancellationToken cancellationToken) =>
        UseAsync(async connection =>
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var result = await work(transaction);
            await transaction.CommitAsync(cancellationToken);
            return result;
        }, cancellationToken);

    /// <summary>Runs <paramref name="work"/> (reads: no transaction) on this connection, one caller at a time.</summary>
    public Task<T> ReadAsync<T>(Func<Task<T>> work, CancellationToken cancellationToken) => UseAsync(_ => work(), cancellationToken);

    private async Task<T> UseAsync<T>(Func<DbConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        await _turn.WaitAsync(cancellationToken);
        try
        {
            _connection ??= await OpenAsync(cancellationToken);
            return await work(_connection);
        }
        catch
        {
            await CloseAsync();
            throw;
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <summary>
    /// The command for <paramref name="sql"/>, kept from an earlier batch (with its parameters: set them with
    /// <see cref="DbCommandExtensions.Set"/>) or made now. Only for use inside <see cref="InTransactionAsync{T}"/> or <see cref="ReadAsync{T}"/>.
    /// </summary>
    public DbCommand Command(string sql, DbTransaction? transaction = null) => Command(sql, 0, static (sql, _) => sql, transaction);

    /// <summary>
    /// The command for <paramref name="statement"/> over <paramref name="rows"/> rows, its text written by
    /// <paramref name="text"/> only when it is not kept: a batch's text is not built again for every batch.
    /// </summary>
    public DbCommand Command(string statement, int rows, Func<string, int, string> text, DbTransaction? transaction = null)
    {
        if (!_commands.TryGetValue((statement, rows), out var command))
        {
            // A batch's statements have as many rows as it has handlers: a handful of sizes in steady traffic, any when the
            // load changes. Past the bound they are made afresh rather than kept without end.
            if (_commands.Count >= MaxKeptCommands)
                DisposeCommands();
            _commands[(statement, rows)] = command = _connection!.Command(text(statement, rows));
        }
        command.Transaction = transaction;
        return command;
    }

    private async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = await open(cancellationToken);
        try
        {
            await connection.ExecuteAsync(sessionSetUp, null, cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private void DisposeCommands()
    {
        foreach (var command in _commands.Values)
            command.Dispose();
        _commands.Clear();
    }

    private async ValueTask CloseAsync()
    {
        DisposeCommands();
        if (_connection is not null)
            await _connection.DisposeAsync();
        _connection = null;
    }

    public async ValueTask DisposeAsync()
    {
        await _turn.WaitAsync();
        try
        {
            await CloseAsync();
        }
        finally
        {
            _turn.Release();
        }
    }
}
