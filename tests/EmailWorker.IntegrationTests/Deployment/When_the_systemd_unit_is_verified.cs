using EmailWorker.IntegrationTests.Support;
using System.Diagnostics;

namespace EmailWorker.IntegrationTests.Deployment;

/// <summary><c>systemd-analyze verify</c> on deploy/systemd/emailworker.service: unknown keys, bad values and a missing binary all fail it.</summary>
[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_the_systemd_unit_is_verified
{
    [Test]
    public async Task Should_pass_systemd_analyze_verify_without_a_warning()
    {
        if (!File.Exists("/usr/bin/systemd-analyze"))
            Assert.Ignore("systemd-analyze is not installed (Debian package systemd); the unit is not verified here");
        var directory = Directory.CreateTempSubdirectory("emailworker-unit-").FullName;
        try
        {
            // The unit names /opt/emailworker/emailworker, which verify requires to exist: point it at the built executable.
            var executable = Path.ChangeExtension(Support.WorkerExecutable.Path, null);
            Assert.That(File.Exists(executable), Is.True, $"{executable} (the worker's app host) is missing");
            var unit = (await File.ReadAllTextAsync(RepositoryFiles.Path("deploy", "systemd", "emailworker.service")))
                .Replace("ExecStart=/opt/emailworker/emailworker", $"ExecStart={executable}", StringComparison.Ordinal);
            Assert.That(unit, Does.Contain($"ExecStart={executable} run"));
            var path = Path.Combine(directory, "emailworker.service");
            await File.WriteAllTextAsync(path, unit);

            var start = new ProcessStartInfo("systemd-analyze", ["verify", path]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(bound.Token);

            Assert.That(process.ExitCode, Is.Zero, await error);
            Assert.That((await output + await error).Trim(), Is.Empty, "systemd-analyze printed warnings");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
