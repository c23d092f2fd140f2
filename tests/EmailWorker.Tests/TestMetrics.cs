using System.Diagnostics.Metrics;
using EmailWorker.Configuration;
using EmailWorker.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace EmailWorker.Tests;

/// <summary>The worker's metrics for tests that build a part which records some: one meter factory for the test run.</summary>
internal static class TestMetrics
{
    private static readonly ServiceProvider Services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public static WorkerMetrics Worker(string prefix) => new(Services.GetRequiredService<IMeterFactory>(), new TopologyNames(prefix, []));
}
