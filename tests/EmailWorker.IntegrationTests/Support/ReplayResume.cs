using System.Globalization;

namespace EmailWorker.IntegrationTests.Support;

/// <summary>
/// <c>dlq jobs resume</c> of a job whose run was killed: the dead run's hold on the job lapses 45 s after its last
/// heartbeat, and until then the store refuses a second run ("is run by another process", exit 1) — it cannot tell a
/// killed run from a slow one. The resume is tried again each second until it runs, within 90 s.
/// </summary>
public static class ReplayResume
{
    public static async Task<(int ExitCode, string Stdout, string Stderr)> AfterKillAsync(IReadOnlyDictionary<string, string> environment, long jobId,
        params string[] options)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            var resume = await CliRun.RunAsync(environment, ["dlq", "jobs", "resume", jobId.ToString(CultureInfo.InvariantCulture), .. options]);
            if (resume.ExitCode == 0 || !resume.Stderr.Contains("is run by another process", StringComparison.Ordinal) || DateTime.UtcNow > deadline)
                return resume;
            await Task.Delay(TimeSpan.FromSeconds(1), TestContext.CurrentContext.CancellationToken);
        }
    }
}
