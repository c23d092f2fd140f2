using EmailWorker.DeadLetters.Ingest;
using EmailWorker.DeadLetters.Store;
using EmailWorker.Diagnostics;
using EmailWorker.Broker;

namespace EmailWorker.Cli;

/// <summary>
/// Opens the configured dead-letter store for a <c>dlq</c> command or the dashboard. Commands that read letters first drain
/// the letters in the dead-letter queue right now into it (<see cref="DeadLetterQueueDrain"/>), so what a failure just
/// dead-lettered is listed even when no worker ingests; a broker that cannot be reached only leaves the store as it is, with
/// a warning. Its notes go to standard error: it belongs to the command line.
/// </summary>
internal static class DeadLetterStoreSession
{
    public static async Task<IDeadLetterStore> OpenAsync(OperatorContext context, bool drain, CancellationToken cancellationToken)
    {
        IDeadLetterStore store;
        try
        {
            store = await DeadLetterStoreProvider.OpenAsync(context.DeadLetters, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The connection string holds a password: only the store kind and the error's own words (Npgsql's and SQLite's name no password).
            throw new OperatorException($"the dead-letter store ({context.DeadLetters.Store}) cannot be opened: {SafeText.Bound(ex.Message, 300)}; check DeadLetters:Store, DeadLetters:DataDirectory or DeadLetters:ConnectionString");
        }
        if (!drain)
            return store;
        try
        {
            var connection = await context.ConnectAsync(cancellationToken);
            var taken = await DeadLetterQueueDrain.DrainAsync(connection, context.Names.Dead, store,
                problem => Console.Error.WriteLine($"emailworker: a dead letter could not be read ({SafeText.Bound(problem, 200)}): stored as it came"),
                cancellationToken);
            if (taken > 0)
                await Console.Error.WriteLineAsync($"took {taken} letter(s) from {context.Names.Dead} into the store");
        }
        catch (OperatorException ex)
        {
            await Console.Error.WriteLineAsync($"emailworker: warning: {context.Names.Dead} was not read into the store ({ex.Message}); showing the store as it is");
        }
        return store;
    }
}
