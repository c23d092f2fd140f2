using EmailWorker.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EmailWorker.DeadLetters.Store;

internal static class DeadLetterServiceCollectionExtensions
{
    /// <summary>
    /// The dead-letter store and the retention sweep that runs when <c>DeadLetters:Ingest</c> is true (the ingester, an AMQP
    /// consumer, is registered with the worker's consumers). Needs <see cref="DeadLetterOptions"/> registered by the
    /// worker's own extension.
    /// </summary>
    public static IServiceCollection AddDeadLetterStore(this IServiceCollection services)
    {
        services.AddSingleton<DeadLetterStoreProvider>();
        services.AddHostedService<RetentionSweeper>();
        return services;
    }
}
