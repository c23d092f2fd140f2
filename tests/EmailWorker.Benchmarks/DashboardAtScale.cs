using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace EmailWorker.Benchmarks;

/// <summary>
/// <c>emailworker dashboard</c> on the million-letter store of <see cref="DeadLetterScale"/>: an operator logs in over
/// HTTP (cookie and CSRF token as a browser would), then the first page of the letter list, the groups page and a letter
/// page are each asked for twice, the faster kept (the machine may be shared), timed from request to last byte; the
/// dashboard's peak RSS (VmHWM) after all of them.
/// </summary>
internal static partial class DashboardAtScale
{
    private const string User = "bench";
    private const string Password = "bench-password-123";

    public static async Task MeasureAsync(IReadOnlyDictionary<string, string> cliEnvironment, int storeSize, string letterId, Action<string, string, double> figure)
    {
        var environment = new Dictionary<string, string>(cliEnvironment);
        var baseUrl = $"http://127.0.0.1:{Sink.FreePort().ToString(CultureInfo.InvariantCulture)}";
        environment["EMAILWORKER__DASHBOARD__URLS"] = baseUrl;
        environment[$"EMAILWORKER__DASHBOARD__USERS__{User}__ROLE"] = "operator";
        environment[$"EMAILWORKER__DASHBOARD__USERS__{User}__PASSWORDHASH"] = await HashAsync(environment);

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Repository.Worker);
        start.ArgumentList.Add("dashboard");
        foreach (var (key, value) in environment)
            start.Environment[key] = value;
        using var dashboard = Process.Start(start) ?? throw new InvalidOperationException("the dashboard did not start");
        // Drained so a full pipe never blocks it.
        var output = dashboard.StandardOutput.ReadToEndAsync();
        var errors = dashboard.StandardError.ReadToEndAsync();
        try
        {
            using var http = new HttpClient(new SocketsHttpHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
            {
                BaseAddress = new Uri(baseUrl),
                Timeout = TimeSpan.FromMinutes(2),
            };
            await LogInAsync(http, dashboard);
            foreach (var (name, path) in new[] { ("first page of the letter list", "/letters"), ("groups page", "/groups"), ("letter page", $"/letters/{letterId}") })
            {
                // The median of five requests: neither the luckiest nor an unlucky one decides the figure.
                var times = new List<double>();
                for (var i = 0; i < 5; i++)
                    times.Add(await TimeAsync(http, path));
                figure($"dashboard {name} at {storeSize}: request to last byte", "ms", Figure.Percentile([.. times.Order()], 50) * 1000);
            }
            figure($"dashboard at {storeSize}: peak RSS", "MiB", CliRun.HighWaterMiB(dashboard.Id));
        }
        finally
        {
            dashboard.Kill(entireProcessTree: true);
            await dashboard.WaitForExitAsync();
            await Task.WhenAll(output, errors);
        }
    }

    private static async Task LogInAsync(HttpClient http, Process dashboard)
    {
        var deadline = Stopwatch.StartNew();
        string loginPage;
        while (true)
        {
            try
            {
                loginPage = await http.GetStringAsync("/login");
                break;
            }
            catch (HttpRequestException) when (deadline.Elapsed < TimeSpan.FromSeconds(60) && !dashboard.HasExited)
            {
                await Task.Delay(200);
            }
        }
        var token = CsrfField().Match(loginPage) is { Success: true } match
            ? WebUtility.HtmlDecode(match.Groups[1].Value)
            : throw new InvalidOperationException("the login page has no CSRF token");
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["csrf"] = token, ["user"] = User, ["password"] = Password, ["returnUrl"] = "/" });
        using var response = await http.PostAsync("/login", form);
        if (response.StatusCode != HttpStatusCode.Redirect)
            throw new InvalidOperationException($"the dashboard refused the benchmark's log-in: {(int)response.StatusCode}");
    }

    private static async Task<double> TimeAsync(HttpClient http, string path)
    {
        var clock = Stopwatch.StartNew();
        using var response = await http.GetAsync(path, HttpCompletionOption.ResponseContentRead);
        var elapsed = clock.Elapsed.TotalSeconds;
        if (response.StatusCode != HttpStatusCode.OK)
            throw new InvalidOperationException($"GET {path} answered {(int)response.StatusCode}");
        return elapsed;
    }

    private static async Task<string> HashAsync(IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(Repository.Worker);
        start.ArgumentList.Add("dashboard");
        start.ArgumentList.Add("hash-password");
        foreach (var (key, value) in environment)
            start.Environment[key] = value;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("hash-password did not start");
        await process.StandardInput.WriteLineAsync(Password);
        process.StandardInput.Close();
        var hash = (await process.StandardOutput.ReadToEndAsync()).Trim();
        await process.WaitForExitAsync();
        return process.ExitCode == 0 ? hash : throw new InvalidOperationException($"hash-password exited with {process.ExitCode}");
    }

    [GeneratedRegex("name=\"csrf\" value=\"([^\"]+)\"")]
    private static partial Regex CsrfField();
}
