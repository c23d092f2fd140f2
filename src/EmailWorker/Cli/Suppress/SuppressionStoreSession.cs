using EmailWorker.Broker;
using EmailWorker.DeadLetters.Store;
using EmailWorker.Delivery.Suppression;
using EmailWorker.Diagnostics;

namespace EmailWorker.Cli.Suppress;

/// <summary>The dead-letter store opened for its suppression list (no broker needed: the dead-letter queue is not drained).</summary>
internal static class SuppressionStoreSession
{
    public static async Task<(IDeadLetterStore Store, ISuppressionStore List)> OpenAsync(OperatorContext context, CancellationToken cancellationToken)
    {
        var store = await DeadLetterStoreSession.OpenAsync(context, drain: false, cancellationToken);
        if (store is ISuppressionStore list)
            return (store, list);
        await store.DisposeAsync();
        throw new OperatorException("the dead-letter store keeps no suppression list");
    }
}
