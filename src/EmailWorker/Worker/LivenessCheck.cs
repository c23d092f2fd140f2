using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EmailWorker.Worker;

/// <summary>
/// <c>/healthz/live</c>: the process answers and its consumer has not given up. A broker or relay outage is not a reason to
/// restart the process (it recovers by itself), so only a fatal stop — the consumer channel closed or the consumer
/// cancelled by the broker, on its way to a non-zero exit — makes it fail.
/// </summary>
internal sealed class LivenessCheck(FatalStop fatalStop) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(fatalStop.Reason is { } reason
            ? HealthCheckResult.Unhealthy($"stopping: {reason}")
            : HealthCheckResult.Healthy("the consumer loop is running"));
}
