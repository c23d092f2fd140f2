using System.Diagnostics;

namespace EmailWorker.IntegrationTests.Deployment;

/// <summary>
/// scripts/validate-deploy.sh as a test, so CI counts it: the Helm chart rendered by real Helm with every combination of
/// its main switches and the kustomize base and overlay, every object valid against the Kubernetes, KEDA and
/// Prometheus-operator schemas, the chart's rules (the store rule, KEDA owning replicas, checksums, digests, probes) and
/// compose.yaml's (localhost ports, no password in the file, a store).
/// </summary>
[TestFixture]
[CancelAfter(390_000)]
public sealed class When_the_deploy_files_are_rendered
{
    [Test]
    public async Task Should_render_and_validate_every_object()
    {
        var start = new ProcessStartInfo("bash", [RepositoryFiles.Path("scripts", "validate-deploy.sh")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Support.ChildProcesses.Track(Process.Start(start)!);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        // Below test.sh's 7-minute hang backstop, so a slow run fails here with its output. npm ci on a cold cache, then 68 renders.
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CurrentContext.CancellationToken);
        bound.CancelAfter(TimeSpan.FromMinutes(6));
        await process.WaitForExitAsync(bound.Token);

        Assert.That(process.ExitCode, Is.Zero, $"{await output}\n{await error}");
        Assert.That(await output, Does.Match(@"deploy validation: \d+ renders, \d+ objects valid"));
    }
}
