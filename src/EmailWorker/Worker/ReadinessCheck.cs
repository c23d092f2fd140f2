using EmailWorker.Broker;
using EmailWorker.Delivery.Relays;
using EmailWorker.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EmailWorker.Worker;

/// <summary>
/// <c>/healthz/ready</c>: both broker connections open and a consumer registered on every lane's work queue → Healthy (200).
/// Consumption paused by the relay breakers (every relay down) or by a broker that blocks publishers → Degraded, still 200: the cause is
/// outside this worker, every replica shares it, and reporting it unready would only stall a rolling update; the breaker
/// gauge and its alert say it instead. One relay of several down → Degraded too, naming it: the others carry its traffic. Moves that fail and are held for another try (a retry tier whose queue is gone)
/// → 503 naming the queue: each holds a consumer slot, and the worker stalls once they hold them all. Anything else
/// (starting, stopping, broker connection down or recovering) → 503.
/// </summary>
internal sealed class ReadinessCheck(
    [FromKeyedServices(BrokerConnection.Consuming)] BrokerConnection consuming,
    [FromKeyedServices(BrokerConnection.Publishing)] BrokerConnection publishing,
    WorkQueueConsumer consumer,
    FailingMoves failing,
    RelayRegistry relays) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var state = consumer.State;
        var result = (consuming.IsOpen, publishing.IsOpen, failing.Oldest()) switch
        {
            (false, _, _) => HealthCheckResult.Unhealthy("the consuming connection to RabbitMQ is not open"),
            (_, false, _) => HealthCheckResult.Unhealthy("the publishing connection to RabbitMQ is not open"),
            (_, _, { } held) => HealthCheckResult.Unhealthy(
                $"{held.Count} message(s) held: moving them to queue {held.Queue} fails ({SafeText.Bound(held.Reason, 200)}); tried again until it works"),
            _ => state switch
            {
                ConsumerState.Consuming when relays.Down is { Count: > 0 } down => HealthCheckResult.Degraded(
                    $"consuming; relay(s) {string.Join(", ", down)} down (breaker open): their messages go to the other relays their routes allow, or wait"),
                ConsumerState.Consuming => HealthCheckResult.Healthy("consuming"),
                ConsumerState.PausedByBreaker => HealthCheckResult.Degraded(relays.All.Count == 1
                    ? "consumption paused: the SMTP relay's circuit breaker is open"
                    : "consumption paused: every SMTP relay's circuit breaker is open"),
                ConsumerState.PausedWhileBrokerBlocks => HealthCheckResult.Degraded("consumption paused: RabbitMQ blocks publishers"),
                ConsumerState.Starting => HealthCheckResult.Unhealthy("starting"),
                ConsumerState.Stopped => HealthCheckResult.Unhealthy("stopping"),
                _ => HealthCheckResult.Unhealthy($"not consuming the work queue of every lane: no consumer on {string.Join(", ", consumer.NotConsumed)}"),
            },
        };
        return Task.FromResult(result);
    }
}
