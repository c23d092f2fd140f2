using System.Globalization;
using EmailWorker.IntegrationTests.Support;

namespace EmailWorker.IntegrationTests.Dashboard;

/// <summary>
/// <c>emailworker dashboard</c> as a child process on a free loopback port, on a test's broker, prefix and store, with a
/// viewer and an operator whose password hashes come from <c>emailworker dashboard hash-password</c>.
/// </summary>
public sealed class DashboardProcess : IAsyncDisposable
{
    public const string Viewer = "vera";
    public const string Operator = "otto";
    public const string ViewerPassword = "viewer-password-123";
    public const string OperatorPassword = "operator-password-456";

    private readonly WorkerProcess _process;

    private DashboardProcess(WorkerProcess process, string baseUrl, IReadOnlyList<string> secrets)
    {
        _process = process;
        BaseUrl = baseUrl;
        Secrets = secrets;
    }

    public string BaseUrl { get; }

    /// <summary>The users' passwords and hashes: never on a page, never in the log.</summary>
    public IReadOnlyList<string> Secrets { get; }

    public string Output => _process.Output;

    /// <param name="context">The test whose broker, prefix and store the dashboard works on.</param>
    /// <param name="metricsUrl">The worker's /metrics the overview reads (its rates and breaker).</param>
    /// <param name="overrides">More of the dashboard's configuration (environment variables), e.g. its trusted proxies.</param>
    public static async Task<DashboardProcess> StartAsync(WorkerTestContext context, string metricsUrl, IReadOnlyDictionary<string, string>? overrides = null)
    {
        var environment = context.WorkerEnvironment(overrides);
        environment["EMAILWORKER__DASHBOARD__METRICSURL"] = metricsUrl;
        var baseUrl = $"http://127.0.0.1:{WorkerListener.FreePort().ToString(CultureInfo.InvariantCulture)}";
        environment["EMAILWORKER__DASHBOARD__URLS"] = baseUrl;
        environment[$"EMAILWORKER__DASHBOARD__USERS__{Viewer}__ROLE"] = "viewer";
        environment[$"EMAILWORKER__DASHBOARD__USERS__{Viewer}__PASSWORDHASH"] = await HashAsync(environment, ViewerPassword);
        environment[$"EMAILWORKER__DASHBOARD__USERS__{Operator}__ROLE"] = "operator";
        environment[$"EMAILWORKER__DASHBOARD__USERS__{Operator}__PASSWORDHASH"] = await HashAsync(environment, OperatorPassword);
        var process = WorkerProcess.Start(environment, "dashboard");
        var dashboard = new DashboardProcess(process, baseUrl, [ViewerPassword, OperatorPassword,
            environment[$"EMAILWORKER__DASHBOARD__USERS__{Viewer}__PASSWORDHASH"], environment[$"EMAILWORKER__DASHBOARD__USERS__{Operator}__PASSWORDHASH"]]);
        if (!await process.WaitForOutputAsync("Dashboard listening", TimeSpan.FromSeconds(30)))
        {
            await dashboard.DisposeAsync();
            Assert.Fail($"the dashboard did not start:\n{process.Output}");
        }
        return dashboard;
    }

    private static async Task<string> HashAsync(IReadOnlyDictionary<string, string> environment, string password)
    {
        var (exitCode, stdout, stderr) = await CliRun.RunWithInputAsync(environment, password + "\n", "dashboard", "hash-password");
        Assert.That(exitCode, Is.Zero, stderr);
        Assert.That(stdout, Does.Not.Contain(password), "the hash never holds the password");
        return stdout.Trim();
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
