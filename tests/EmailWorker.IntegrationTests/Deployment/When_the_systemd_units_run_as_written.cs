using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using EmailWorker.IntegrationTests.Support;

namespace EmailWorker.IntegrationTests.Deployment;

/// <summary>
/// The units' own command lines and environment, started here the way systemd would (there is no systemd as PID 1 in this
/// container): ExecStart and every Environment= of deploy/systemd/emailworker.service and emailworker-dashboard.service,
/// in their WorkingDirectory, as an unprivileged user (nobody stands in for the static user emailworker), with the root
/// file system read-only (ProtectSystem=strict), a private /tmp, and only the StateDirectory /var/lib/emailworker writable
/// (a mount namespace of their own). The worker must ingest a dead letter into the store there, the dashboard must serve
/// it, the operator CLI as the same user must read it, and every file of the store must belong to that user.
/// </summary>
[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class When_the_systemd_units_run_as_written
{
    private const int Nobody = 65534;

    [Test]
    public async Task Should_ingest_into_the_state_directory_and_serve_it_on_the_dashboard_as_the_service_user()
    {
        if (!File.Exists("/usr/bin/unshare") || !File.Exists("/usr/bin/setpriv"))
            Assert.Ignore("unshare/setpriv (util-linux) are not installed: the units cannot be started as written here");
        var worker = Unit.Read("emailworker.service");
        var dashboardUnit = Unit.Read("emailworker-dashboard.service");
        Assert.Multiple(() =>
        {
            foreach (var unit in new[] { worker, dashboardUnit })
            {
                Assert.That(unit.Single("User"), Is.EqualTo("emailworker"), "one static user shared by the units and emailworker-ctl");
                Assert.That(unit.Single("StateDirectory"), Is.EqualTo("emailworker"));
                Assert.That(unit.Single("WorkingDirectory"), Is.EqualTo("/var/lib/emailworker"));
                Assert.That(unit.Environment["EMAILWORKER__DEADLETTERS__DATADIRECTORY"], Is.EqualTo("/var/lib/emailworker"));
                Assert.That(unit.Single("ProtectSystem"), Is.EqualTo("strict"));
                Assert.That(unit.All("MemoryMax"), Is.Not.Empty);
            }
        });

        await using var context = new WorkerTestContext();
        var apply = await CliRun.RunAsync(context.WorkerEnvironment(), "topology", "apply");
        Assert.That(apply.ExitCode, Is.Zero, apply.Stderr);
        var state = Directory.CreateTempSubdirectory("emailworker-state-").FullName;
        try
        {
            // What StateDirectory= does before the start: the folder exists and belongs to the service user.
            File.SetUnixFileMode(state, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
            Chown(state);
            // The EnvironmentFile: the broker and the relay of this test, as an operator would write them.
            var environmentFile = context.WorkerEnvironment();
            environmentFile.Remove("EMAILWORKER__DEADLETTERS__DATADIRECTORY");
            var metricsPort = WorkerListener.FreePort();
            environmentFile["EMAILWORKER__OBSERVABILITY__URLS"] = $"http://127.0.0.1:{metricsPort.ToString(CultureInfo.InvariantCulture)}";

            await using var service = Start(worker, state, environmentFile);
            Assert.That(await service.WaitForOutputAsync("Ingesting dead letters", TimeSpan.FromSeconds(60)), Is.True, service.Output);
            await DeadLetterFactory.PublishAsync(context, [("unit-letter", "permanent", "someone@example.org")]);
            Assert.That(await context.BecomesEmptyAsync(context.DeadQueue, TimeSpan.FromSeconds(30)), Is.True, service.Output);

            var dashboardPort = WorkerListener.FreePort();
            var dashboardFile = context.WorkerEnvironment();
            dashboardFile.Remove("EMAILWORKER__DEADLETTERS__DATADIRECTORY");
            dashboardFile["EMAILWORKER__DASHBOARD__URLS"] = $"http://127.0.0.1:{dashboardPort.ToString(CultureInfo.InvariantCulture)}";
            dashboardFile["EMAILWORKER__DASHBOARD__METRICSURL"] = $"http://127.0.0.1:{metricsPort.ToString(CultureInfo.InvariantCulture)}/metrics";
            dashboardFile["EMAILWORKER__DASHBOARD__USERS__OPS__ROLE"] = "viewer";
            dashboardFile["EMAILWORKER__DASHBOARD__USERS__OPS__PASSWORDHASH"] = await HashAsync(dashboardFile, "unit-password-123");
            await using var dashboard = Start(dashboardUnit, state, dashboardFile);
            Assert.That(await dashboard.WaitForOutputAsync("Dashboard listening", TimeSpan.FromSeconds(60)), Is.True, dashboard.Output);
            var letters = await LettersPageAsync($"http://127.0.0.1:{dashboardPort.ToString(CultureInfo.InvariantCulture)}", "ops", "unit-password-123");

            // The operator CLI as emailworker-ctl runs it: the same user, the same store, nothing ingested by it.
            var cli = environmentFile.ToDictionary();
            cli["EMAILWORKER__DEADLETTERS__DATADIRECTORY"] = "/var/lib/emailworker";
            cli["EMAILWORKER__DEADLETTERS__INGEST"] = "false";
            cli["EMAILWORKER__OBSERVABILITY__URLS"] = "";
            await using var list = Start(worker with { ExecStart = [worker.ExecStart[0], "dlq", "list", "--json"] }, state, cli);
            var listed = await list.WaitForExitAsync(TimeSpan.FromSeconds(60));

            Assert.Multiple(() =>
            {
                Assert.That(letters, Does.Contain("unit-letter"), "the dashboard serves the letter the worker ingested");
                Assert.That(listed, Is.Zero, list.Output);
                Assert.That(list.Output, Does.Contain("\"messageId\": \"unit-letter\""));
                Assert.That(File.Exists(Path.Combine(state, "dead-letters.db")), Is.True, "the store is in the state directory");
                foreach (var file in Directory.EnumerateFileSystemEntries(state))
                    Assert.That(Owner(file), Is.EqualTo(Nobody), $"{Path.GetFileName(file)} belongs to the service user");
            });
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    /// <summary>
    /// The unit's ExecStart as its user, in its WorkingDirectory, with exactly its Environment= and the environment file:
    /// a mount namespace where the state directory is bound at /var/lib/emailworker, every other mount is read-only and
    /// /tmp is private.
    /// </summary>
    private static WorkerProcess Start(Unit unit, string state, IReadOnlyDictionary<string, string> environmentFile)
    {
        const string Sandbox = """
            set -e
            mount --make-rprivate /
            mount -t tmpfs -o mode=0755 tmpfs /var/lib
            mkdir /var/lib/emailworker
            mount --bind "$0" /var/lib/emailworker
            for m in $(awk '{print $2}' /proc/self/mounts | grep -v -e '^/proc' -e '^/sys' -e '^/dev' -e '^/var/lib/emailworker$' | sort -u); do
              mount -o remount,bind,ro "$m" 2>/dev/null || true
            done
            mount -t tmpfs -o mode=1777 tmpfs /tmp
            cd "$1"; shift
            exec setpriv --reuid=65534 --regid=65534 --clear-groups --no-new-privs "$@"
            """;
        var executable = Path.ChangeExtension(WorkerExecutable.Path, null);
        var command = unit.ExecStart.ToList();
        Assert.That(command[0], Is.EqualTo("/opt/emailworker/emailworker"));
        command[0] = executable;
        var environment = new Dictionary<string, string>(unit.Environment);
        foreach (var (key, value) in environmentFile)
            environment.TryAdd(key, value);
        environment["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin";
        return WorkerProcess.StartCommand("unshare", ["--mount", "--", "sh", "-c", Sandbox, state, unit.Single("WorkingDirectory"), .. command], environment);
    }

    private static async Task<string> HashAsync(IReadOnlyDictionary<string, string> environment, string password)
    {
        var (exitCode, stdout, stderr) = await CliRun.RunWithInputAsync(environment, password + "\n", "dashboard", "hash-password");
        Assert.That(exitCode, Is.Zero, stderr);
        return stdout.Trim();
    }

    /// <summary>Logs in through the form (with its CSRF token) and returns the letters page.</summary>
    private static async Task<string> LettersPageAsync(string baseUrl, string user, string password)
    {
        using var handler = new HttpClientHandler { CookieContainer = new CookieContainer() };
        using var http = new HttpClient(handler) { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
        var form = await http.GetStringAsync("/login");
        var fields = HiddenInput().Matches(form).ToDictionary(m => m.Groups[1].Value, m => WebUtility.HtmlDecode(m.Groups[2].Value));
        fields["user"] = user;
        fields["password"] = password;
        using var login = await http.PostAsync("/login", new FormUrlEncodedContent(fields));
        Assert.That(login.IsSuccessStatusCode, Is.True, $"log-in: {(int)login.StatusCode}");
        return await http.GetStringAsync("/letters?state=all");
    }

    private static void Chown(string path)
    {
        var start = new System.Diagnostics.ProcessStartInfo("chown", [$"{Nobody}:{Nobody}", path]);
        using var process = System.Diagnostics.Process.Start(start)!;
        process.WaitForExit(10_000);
        Assert.That(process.ExitCode, Is.Zero, $"chown {path}");
    }

    private static int Owner(string path)
    {
        var start = new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%u", path]) { RedirectStandardOutput = true };
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit(10_000);
        return int.Parse(output.Trim(), CultureInfo.InvariantCulture);
    }

    [GeneratedRegex("""<input type="hidden" name="([^"]+)" value="([^"]*)">""")]
    private static partial Regex HiddenInput();

    /// <summary>The [Service] settings of one unit file of deploy/systemd, as systemd reads them (one per line).</summary>
    private sealed record Unit(IReadOnlyList<KeyValuePair<string, string>> Settings, IReadOnlyList<string> ExecStart, IReadOnlyDictionary<string, string> Environment)
    {
        public static Unit Read(string name)
        {
            var settings = File.ReadAllLines(RepositoryFiles.Path("deploy", "systemd", name))
                .Select(l => l.Trim()).Where(l => l.Length > 0 && l[0] is not ('#' or ';' or '[') && l.Contains('=', StringComparison.Ordinal))
                .Select(l => new KeyValuePair<string, string>(l[..l.IndexOf('=', StringComparison.Ordinal)], l[(l.IndexOf('=', StringComparison.Ordinal) + 1)..]))
                .ToList();
            var environment = settings.Where(s => s.Key == "Environment").Select(s => s.Value.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
            var execStart = settings.Single(s => s.Key == "ExecStart").Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return new Unit(settings, execStart, environment);
        }

        public IEnumerable<string> All(string key) => Settings.Where(s => s.Key == key).Select(s => s.Value);

        public string Single(string key) => All(key).Single();
    }
}
