using Microsoft.Extensions.DependencyInjection;

namespace EmailWorker.Worker;

internal static class LedgerServiceCollectionExtensions
{
    /// <summary>
    /// The delivered ledger (in the dead-letter store's database, so after <c>AddDeadLetterStore</c>'s provider) and its
    /// retention sweep. With <c>Delivery:Ledger</c> false both are idle.
    /// </summary>
    public static IServiceCollection AddDeliveryLedger(this IServiceCollection services)
    {
        services.AddSingleton<LedgerGroupCommit>();
        services.AddSingleton<DeliveryLedger>();
        services.AddHostedService<LedgerRetentionSweeper>();
        return services;
    }
}
