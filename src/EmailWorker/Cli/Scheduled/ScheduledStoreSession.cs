using EmailWorker.Broker;
using EmailWorker.DeadLetters.Store;
using EmailWorker.Diagnostics;
using EmailWorker.Scheduling;

namespace EmailWorker.Cli.Scheduled;

/// <summary>The dead-letter store opened for its scheduled messages (no broker needed: the dead-letter queue is not drained).</summary>
internal static class ScheduledStoreSession
{
    public static async Task<(IDeadLetterStore Store, IScheduledStore Scheduled)> OpenAsync(OperatorContext context, CancellationToken cancellationToken)
    {
        var store = await DeadLetterStoreSession.OpenAsync(context, drain: false, cancellationToken);
        if (store is IScheduledStore scheduled)
            return (store, scheduled);
        await store.DisposeAsync();
        throw new OperatorException("the dead-letter store keeps no scheduled messages");
    }
}
