using EmailWorker.Broker;
using EmailWorker.Configuration;
using EmailWorker.DeadLetters.Ingest;
using EmailWorker.Worker;
using EmailWorker.DeadLetters.Store;
using EmailWorker.Delivery;
using EmailWorker.Delivery.Ledger;
using EmailWorker.Delivery.Relays;
using EmailWorker.Delivery.Suppression;
using EmailWorker.Diagnostics;
using EmailWorker.Outcomes;
using EmailWorker.Messages;
using EmailWorker.Routing;
using EmailWorker.Scheduling;
using EmailWorker.Webhooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EmailWorker.Hosting;

internal static class ServiceCollectionExtensions
{
    /// <summary>
    /// Binds and validates every options section the worker's services read; a wrong value stops start-up with a message
    /// naming the key. (<c>Observability</c> is read before the host is built: <see cref="WorkerHost"/> checks it.)
    /// </summary>
    public static IServiceCollection AddEmailWorkerOptions(this IServiceCollection services, IConfiguration configuration) => services
        .AddValidated<RabbitMqOptions, RabbitMqOptionsValidator>(configuration, RabbitMqOptions.Section)
        .AddValidated<TopologyOptions, TopologyOptionsValidator>(configuration, TopologyOptions.Section)
        .AddValidated<SmtpOptions, SmtpOptionsValidator>(configuration, SmtpOptions.Section)
        .AddValidated<RetryOptions, RetryOptionsValidator>(configuration, RetryOptions.Section)
        .AddValidated<DeliveryOptions, DeliveryOptionsValidator>(configuration, DeliveryOptions.Section)
        .AddValidated<ClassificationOptions, ClassificationOptionsValidator>(configuration, ClassificationOptions.Section)
        .AddValidated<HostingOptions, HostingOptionsValidator>(configuration, HostingOptions.Section)
        .AddValidated<DeadLetterOptions, DeadLetterOptionsValidator>(configuration, DeadLetterOptions.Section)
        .AddValidated<SuppressionOptions, SuppressionOptionsValidator>(configuration, SuppressionOptions.Section)
        .AddValidated<ScheduledOptions, ScheduledOptionsValidator>(configuration, ScheduledOptions.Section)
        .AddValidated<WebhookOptions, WebhookOptionsValidator>(configuration, WebhookOptions.Section);

    /// <summary>The worker: broker connection, topology, the relays (each with its SMTP pool and breaker), their router and the work-queue consumer.</summary>
    public static IServiceCollection AddEmailWorker(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddEmailWorkerOptions(configuration);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => TopologyNames.From(
            sp.GetRequiredService<IOptions<TopologyOptions>>().Value, sp.GetRequiredService<IOptions<RetryOptions>>().Value));
        foreach (var purpose in new[] { BrokerConnection.Consuming, BrokerConnection.Publishing })
        {
            services.AddKeyedSingleton(purpose, (provider, _) => new BrokerConnection(purpose,
                provider.GetRequiredService<IOptions<RabbitMqOptions>>(), provider.GetRequiredService<ILogger<BrokerConnection>>()));
        }
        services.AddSingleton<TopologyDeclarer>();
        services.AddSingleton(sp => new ConfirmedPublisher(sp.GetRequiredKeyedService<BrokerConnection>(BrokerConnection.Publishing).GetAsync));
        services.AddSingleton<WorkerMetrics>();
        services.AddSingleton<MessageSpan>();
        services.AddSingleton<InFlightCounter>();
        services.AddSingleton<RelayRegistry>();
        services.AddSingleton(sp => RelayRouter.From(sp.GetRequiredService<IOptions<SmtpOptions>>().Value));
        services.AddHostedService<SmtpPoolOpener>();
        services.AddSingleton<SendEmailReader>();
        services.AddSingleton<MimeMessageFactory>();
        services.AddSingleton<OutcomeClassifier>();
        services.AddSingleton(sp => new FatePlanner(RoutingPolicyFrom(sp.GetRequiredService<IOptions<RetryOptions>>().Value)));
        services.AddSingleton<MessageMover>();
        services.AddSingleton<OutcomeReporter>();
        services.AddSingleton<PlanExecutor>();
        services.AddSingleton<FailingMoves>();
        services.AddSingleton<MessageHandler>();
        // Registered before the consumer so it stops after it: the last in-flight messages' events still go out.
        services.AddSingleton(sp => new StatusEventPublisher(sp.GetRequiredKeyedService<BrokerConnection>(BrokerConnection.Publishing).GetAsync,
            sp.GetRequiredService<TopologyNames>().Events, sp.GetRequiredService<ILogger<StatusEventPublisher>>()));
        services.AddHostedService(sp => sp.GetRequiredService<StatusEventPublisher>());
        services.AddSingleton<FatalStop>();
        // Also resolved by itself: the readiness check reads its state.
        services.AddSingleton<WorkQueueConsumer>();
        services.AddHostedService(sp => sp.GetRequiredService<WorkQueueConsumer>());
        services.AddDeadLetterStore();
        services.AddSingleton<SoleIngesterGuard>();
        services.AddSingleton<ILedgerStoreSource, LedgerStoreSource>();
        services.AddDeliveryLedger();
        services.AddSingleton<ISuppressionStoreSource, SuppressionStoreSource>();
        services.AddSingleton<SuppressionFilter>();
        services.AddHostedService(sp => sp.GetRequiredService<SuppressionFilter>());
        services.AddSingleton<SuppressionList>();
        services.AddHostedService<SoftFailureSweeper>();
        services.AddSingleton<IScheduledStoreSource, ScheduledStoreSource>();
        services.AddSingleton<ScheduledHold>();
        services.AddHostedService<ScheduledReleaser>();
        services.AddHostedService<DeadLetterIngester>();
        services.AddWebhooks();
        return services;
    }

    /// <summary>
    /// Webhooks, when <c>Webhooks:Endpoints</c> names any: the outbox writer (status events into the store), the dispatcher
    /// (the store's due rows to the endpoints) and the retention sweep of delivered rows.
    /// </summary>
    private static IServiceCollection AddWebhooks(this IServiceCollection services)
    {
        services.AddSingleton<WebhookSettings>();
        services.AddSingleton<IWebhookStoreSource, WebhookStoreSource>();
        services.AddSingleton<WebhookWakeUp>();
        services.AddSingleton<WebhookMetrics>();
        services.AddSingleton<WebhookSender>();
        services.AddHostedService<WebhookOutboxWriter>();
        services.AddHostedService<WebhookDispatcher>();
        services.AddHostedService<WebhookOutboxSweeper>();
        return services;
    }

    private static RoutingPolicy RoutingPolicyFrom(RetryOptions retry) =>
        new(retry.Schedules, retry.MaxSystemReturns, $"{Environment.MachineName}/{Environment.ProcessId}");
}
