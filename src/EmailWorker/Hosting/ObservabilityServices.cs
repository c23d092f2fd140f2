using EmailWorker.Configuration;
using EmailWorker.DeadLetters.Store;
using EmailWorker.Diagnostics;
using EmailWorker.Worker;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using RabbitMQ.Client;

namespace EmailWorker.Hosting;

internal static class ObservabilityServices
{
    /// <summary>
    /// Metrics for the Prometheus endpoint (<paramref name="listener"/>) and OTLP, traces for OTLP, health checks for the
    /// listener. With neither a listener nor an OTLP endpoint no provider is built: instruments and spans then cost nothing.
    /// </summary>
    public static IServiceCollection AddObservability(this IServiceCollection services, ObservabilityOptions options, bool listener)
    {
        services.AddSingleton<WorkerGauges>();
        var otlp = !string.IsNullOrEmpty(options.OtlpEndpoint);
        if (listener)
        {
            services.AddHealthChecks()
                .AddCheck<LivenessCheck>("consumer", tags: [HealthEndpoints.Live])
                .AddCheck<ReadinessCheck>("broker-and-consumer", tags: [HealthEndpoints.Ready]);
        }
        if (!listener && !otlp)
            return services;
        // The store's size only when something reads the gauges: counting a large store is not free.
        services.AddSingleton<DeadLetterCounter>();
        services.AddSingleton<IDeadLetterCount>(sp => sp.GetRequiredService<DeadLetterCounter>());
        services.AddHostedService(sp => sp.GetRequiredService<DeadLetterCounter>());

        var telemetry = services.AddOpenTelemetry();
        telemetry.WithMetrics(metrics =>
        {
            metrics.AddMeter(Telemetry.Name)
                .AddRuntimeInstrumentation()
                // Built with the provider, so the gauges exist whenever something can read them.
                .AddInstrumentation(provider => provider.GetRequiredService<WorkerGauges>());
            if (listener)
                metrics.AddPrometheusExporter();
        });
        if (otlp && ObservabilityOptionsValidator.TryProtocol(options.OtlpProtocol, out var protocol))
        {
            // Spans only when they go somewhere: a tracer provider without an exporter would still record every message.
            // A producer's sampling decision wins; messages without one are sampled at the configured ratio.
            telemetry.WithTracing(tracing => tracing
                .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(options.TraceSampleRatio)))
                .AddSource(Telemetry.Name, RabbitMQActivitySource.PublisherSourceName, RabbitMQActivitySource.SubscriberSourceName));
            telemetry.UseOtlpExporter(protocol, new Uri(options.OtlpEndpoint));
        }
        return services;
    }
}
