using EmailWorker.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EmailWorker.DeadLetters;

internal static class DeadLetterServiceCollectionExtensions
{
    /// <summary>
    /// The dead-letter store, and the ingester and retention that run when <c>DeadLetters:Ingest</c> is true. Needs the
    /// broker connection, topology and <see cref="DeadLetterOptions"/> registered by the worker's own extension.
    /// </summary>
    public static IServiceCollection AddDeadLetterStore(this IServiceCollection services)
    {
        services.AddSingleton<DeadLetterStoreProvider>();
        services.AddHostedService<DeadLetterIngester>();
        services.AddHostedService<RetentionSweeper>();
        return services;
    }
}
