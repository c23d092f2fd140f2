using EmailWorker.Configuration;
using Microsoft.Extensions.Options;

namespace EmailWorker.DeadLetters.Store;

/// <summary>
/// Opens the configured store on first use (creating or migrating its schema) and shares it in the process; a failed open
/// is tried again on the next call, so a database that is down at start-up does not stop the worker.
/// </summary>
internal sealed class DeadLetterStoreProvider(IOptions<DeadLetterOptions> options) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IDeadLetterStore? _store;

    public async Task<IDeadLetterStore> GetAsync(CancellationToken cancellationToken)
    {
        if (_store is { } open)
            return open;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return _store ??= await OpenAsync(options.Value, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    public static async Task<IDeadLetterStore> OpenAsync(DeadLetterOptions options, CancellationToken cancellationToken) =>
        Enum.Parse<DeadLetterStoreKind>(options.Store, ignoreCase: true) == DeadLetterStoreKind.Postgres
            ? await PostgresDeadLetterStore.OpenAsync(options.ConnectionString!, cancellationToken)
            : await SqliteDeadLetterStore.OpenAsync(options.DataDirectory, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_store is not null)
            await _store.DisposeAsync();
        _gate.Dispose();
    }
}
