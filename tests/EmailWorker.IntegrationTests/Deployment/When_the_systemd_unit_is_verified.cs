using EmailWorker.IntegrationTests.Support;
using System.Diagnostics;

namespace EmailWorker.IntegrationTests.Deployment;

/// <summary>
/// <c>systemd-analyze verify</c> on deploy/systemd's units (unknown keys, bad values and a missing binary all fail it), and
/// <c>systemd-analyze security</c> under a threshold: the hardening cannot quietly get weaker.
/// </summary>
[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_the_systemd_unit_is_verified
{
    /// <summary>systemd's exposure score times ten (its --threshold unit): at most 2.0 of 10 ("OK"); both units score 1.5.</summary>
    private const int ExposureThreshold = 20;

    [TestCase("emailworker.service", "run")]
    [TestCase("emailworker-dashboard.service", "dashboard")]
    public async Task Should_pass_systemd_analyze_verify_without_a_warning_and_security_under_the_threshold(string name, string command)
    {
        if (!File.Exists("/usr/bin/systemd-analyze"))
            Assert.Ignore("systemd-analyze is not installed (Debian package systemd); the unit is not verified here");
        var directory = Directory.CreateTempSubdirectory("emailworker-unit-").FullName;
        try
        {
            // The unit names /opt/emailworker/emailworker, which verify requires to exist: point it at the built executable.
            var executable = Path.ChangeExtension(Support.WorkerExecutable.Path, null);
            Assert.That(File.Exists(executable), Is.True, $"{executable} (the worker's app host) is missing");
            var unit = (await File.ReadAllTextAsync(RepositoryFiles.Path("deploy", "systemd", name)))
                .Replace("ExecStart=/opt/emailworker/emailworker", $"ExecStart={executable}", StringComparison.Ordinal);
            Assert.That(unit, Does.Contain($"ExecStart={executable} {command}"));
            var path = Path.Combine(directory, name);
            await File.WriteAllTextAsync(path, unit);

            var (verifyCode, verifyOutput) = await RunAsync("verify", path);
            var (securityCode, securityOutput) = await RunAsync("security", "--offline=yes", $"--threshold={ExposureThreshold}", path);

            Assert.Multiple(() =>
            {
                Assert.That(verifyCode, Is.Zero, verifyOutput);
                Assert.That(verifyOutput.Trim(), Is.Empty, "systemd-analyze verify printed warnings");
                Assert.That(securityCode, Is.Zero, $"exposure above {ExposureThreshold / 10.0}: {securityOutput[^Math.Min(400, securityOutput.Length)..]}");
            });
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("systemd-analyze", arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(bound.Token);
        return (process.ExitCode, await output + await error);
    }
}
