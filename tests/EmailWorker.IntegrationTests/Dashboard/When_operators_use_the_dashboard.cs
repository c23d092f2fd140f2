using System.Text.RegularExpressions;
using EmailWorker.IntegrationTests.Support;
using Microsoft.Playwright;

namespace EmailWorker.IntegrationTests.Dashboard;

/// <summary>
/// The dashboard in a real browser (system Chromium through Playwright) on a real broker, store and SMTP server: letters a
/// worker dead-lettered (the relay refused them with 550 5.1.1), one of them with an HTML body that carries a script.
/// </summary>
[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed partial class When_operators_use_the_dashboard
{
    private const int PlainLetters = 5;
    private const string HtmlLetter = "dash-html";

    /// <summary>The dashboard's limit (its <c>LoginThrottle</c>), for one user name from one address.</summary>
    private const int LoginAttemptsPerMinute = 10;

    /// <summary>The script tries to change the page, its title and to reach the dashboard; none of it may happen.</summary>
    private const string HtmlBody = """
        <html><head><title>original</title></head><body><p id="visible">Visible paragraph</p>
        <script>document.title = 'script ran'; document.getElementById('visible').textContent = 'script ran';
        window.ran = true; fetch('/canary-fetch'); new Image().src = '/canary-image';</script></body></html>
        """;

    private readonly WorkerListener _listener = new();
    private WorkerTestContext _context = null!;
    private DashboardProcess _dashboard = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    private static IEnumerable<string> Recipients() =>
        Enumerable.Range(0, PlainLetters).Select(i => $"dash{i}@example.org").Append("html@example.org");

    /// <summary>
    /// The letters the read-only tests look at, in a store no test changes: the replay test seeds and replays letters of
    /// its own (its own store and dashboard), so every test sees what it expects whatever order they run in.
    /// </summary>
    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _context = new WorkerTestContext();
        await SeedAsync(_context);
        _dashboard = await DashboardProcess.StartAsync(_context, _listener.BaseUrl + "/metrics");
        (_playwright, _browser) = await SystemChromium.LaunchAsync();
    }

    private static Task SeedAsync(WorkerTestContext context) =>
        WorkerDeadLetters.MakeAsync(context, Enumerable.Range(0, PlainLetters)
            .Select(i => SampleMessages.Simple($"dash-{i}", $"dash{i}@example.org", $"Order {i}"))
            .Append(new { messageId = HtmlLetter, to = new[] { new { address = "html@example.org" } }, subject = "With a script", html = HtmlBody }));

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _dashboard.DisposeAsync();
        await _context.DisposeAsync();
        _listener.Dispose();
    }

    [Test]
    public async Task Should_refuse_to_start_without_users()
    {
        var (exitCode, _, stderr) = await CliRun.RunAsync(_context.WorkerEnvironment(), "dashboard");
        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(2));
            Assert.That(stderr, Does.Contain("Dashboard:Users names no user"));
        });
    }

    [Test]
    public async Task Should_show_a_viewer_no_actions_and_refuse_the_viewers_posts()
    {
        var page = await LogInAsync(DashboardProcess.Viewer, DashboardProcess.ViewerPassword);
        foreach (var path in new[] { "/", "/groups", "/letters" })
        {
            await page.GotoAsync(path);
            Assert.That(await page.Locator("h1").TextContentAsync(), Is.Not.EqualTo("Log in"), path);
            Assert.That(await ActionControlsAsync(page), Is.Zero, $"{path} shows a viewer no replay or purge");
        }
        await page.GetByRole(AriaRole.Link, new() { Name = "dash-0" }).ClickAsync();
        Assert.That(await ActionControlsAsync(page), Is.Zero, "the letter page shows a viewer no action either");
        var groupHref = await page.Locator("dt:text-is('Group') + dd a").GetAttributeAsync("href");
        var groupKey = Uri.UnescapeDataString(groupHref!.Split("group=")[1]);

        // A valid CSRF token of the viewer's own session (from the log-out form): only the role is missing.
        var token = await page.Locator("input[name=csrf]").First.GetAttributeAsync("value");
        var preview = await PostAsync(page, "/actions/preview", ("csrf", token!), ("action", "replay"), ("group", groupKey));
        var replay = await PostAsync(page, "/actions/replay", ("csrf", token!), ("group", groupKey), ("rate", "100"));
        var purge = await PostAsync(page, "/actions/purge", ("csrf", token!), ("group", groupKey));

        Assert.Multiple(async () =>
        {
            Assert.That(preview.Status, Is.EqualTo(403));
            Assert.That(replay.Status, Is.EqualTo(403));
            Assert.That(purge.Status, Is.EqualTo(403));
            await page.GotoAsync("/audit");
            Assert.That(await page.Locator("td", new() { HasText = DashboardProcess.Viewer }).CountAsync(), Is.Zero, "nothing was done in the viewer's name");
        });
    }

    [Test]
    public async Task Should_keep_passwords_and_hashes_off_pages_and_out_of_the_log()
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = _dashboard.BaseUrl });
        var refused = await context.NewPageAsync();
        await refused.GotoAsync("/login");
        await refused.GetByLabel("User").FillAsync(DashboardProcess.Operator);
        await refused.GetByLabel("Password").FillAsync(DashboardProcess.ViewerPassword);
        await refused.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        Assert.That(await refused.Locator("p.error").TextContentAsync(), Is.EqualTo("Unknown user or wrong password."));

        var page = await LogInAsync(DashboardProcess.Operator, DashboardProcess.OperatorPassword);
        var html = new List<string>();
        foreach (var path in new[] { "/", "/groups", "/letters?state=all", "/jobs", "/audit" })
        {
            await page.GotoAsync(path);
            html.Add(await page.ContentAsync());
        }

        Assert.Multiple(() =>
        {
            Assert.That(_dashboard.Output, Does.Contain($"Dashboard login refused for {DashboardProcess.Operator}"), "the refused log-in is logged");
            foreach (var secret in _dashboard.Secrets)
            {
                Assert.That(_dashboard.Output, Does.Not.Contain(secret), "the log");
                Assert.That(html, Has.None.Contains(secret), "the pages");
            }
        });
    }

    [Test]
    public async Task Should_throttle_password_guessing_for_one_name_and_not_for_the_others()
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = _dashboard.BaseUrl });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/login");
        var token = await page.Locator("input[name=csrf]").First.GetAttributeAsync("value");
        var statuses = new List<int>();
        for (var attempt = 0; attempt <= LoginAttemptsPerMinute; attempt++)
            statuses.Add((await PostAsync(page, "/login", ("csrf", token!), ("user", "guesser"), ("password", $"guess{attempt}"))).Status);

        Assert.Multiple(async () =>
        {
            Assert.That(statuses.Take(LoginAttemptsPerMinute), Is.All.EqualTo(401), "wrong passwords, refused");
            Assert.That(statuses[^1], Is.EqualTo(429), "one attempt too many this minute");
            Assert.That(_dashboard.Output, Does.Contain("Dashboard login throttled for guesser"));
            // Another name from the same address still logs in.
            Assert.That(await LogInAsync(DashboardProcess.Viewer, DashboardProcess.ViewerPassword), Is.Not.Null);
        });
    }

    [Test]
    public async Task Should_refuse_a_post_without_the_csrf_token()
    {
        var page = await LogInAsync(DashboardProcess.Operator, DashboardProcess.OperatorPassword);
        await page.GotoAsync("/letters?state=all");
        var letterPath = await page.GetByRole(AriaRole.Link, new() { Name = "dash-1" }).GetAttributeAsync("href");
        var letterId = letterPath!.Split('/')[^1];
        var stateBefore = await LetterStateAsync(page, letterPath);

        var without = await PostAsync(page, "/actions/purge", ("id", letterId));
        var forged = await PostAsync(page, "/actions/purge", ("csrf", "CfDJ8forged"), ("id", letterId));

        Assert.Multiple(async () =>
        {
            Assert.That(without.Status, Is.EqualTo(400), "no token");
            Assert.That(forged.Status, Is.EqualTo(400), "a token that is not the session's");
            Assert.That(await LetterStateAsync(page, letterPath), Is.EqualTo(stateBefore), "the letter was not purged");
        });
    }

    [Test]
    public async Task Should_show_an_html_body_without_running_its_script()
    {
        var page = await LogInAsync(DashboardProcess.Operator, DashboardProcess.OperatorPassword);
        var requests = new List<string>();
        page.Request += (_, request) => requests.Add(request.Url);
        await page.GotoAsync("/letters?state=all");
        await page.GetByRole(AriaRole.Link, new() { Name = HtmlLetter }).ClickAsync();
        var frame = page.FrameLocator("iframe.body");
        await Assertions.Expect(frame.Locator("#visible")).ToHaveTextAsync("Visible paragraph");
        await page.Locator("iframe.body").ScrollIntoViewIfNeededAsync();
        await Screenshots.TakeAsync(page, "letter");
        var bodyFrame = page.Frames.Single(f => f.Url.EndsWith("/body", StringComparison.Ordinal));
        var bodyUrl = bodyFrame.Url;

        // Opened on its own, outside the sandboxed frame, the body's CSP still keeps its script from running.
        var direct = await page.Context.NewPageAsync();
        direct.Request += (_, request) => requests.Add(request.Url);
        await direct.GotoAsync(bodyUrl);

        Assert.Multiple(async () =>
        {
            Assert.That(await bodyFrame.EvaluateAsync<bool>("() => window.ran === true"), Is.False, "the script did not run in the frame");
            Assert.That(await page.TitleAsync(), Does.Not.Contain("script ran"));
            Assert.That(await direct.TitleAsync(), Is.EqualTo("original"), "nor when the body is opened directly");
            Assert.That(await direct.Locator("#visible").TextContentAsync(), Is.EqualTo("Visible paragraph"));
            Assert.That(requests.Where(r => r.Contains("canary", StringComparison.Ordinal)), Is.Empty, "the script made no request");
        });
    }

    [Test]
    public async Task Should_replay_a_group_after_a_dry_run_at_a_pace_and_deliver_each_letter_once()
    {
        // Letters of its own, in a store of its own with its own dashboard: replaying them changes nothing another test reads.
        await using var own = new WorkerTestContext();
        using var listener = new WorkerListener();
        await SeedAsync(own);
        await using var dashboard = await DashboardProcess.StartAsync(own, listener.BaseUrl + "/metrics");
        await using var worker = await own.StartConsumingAsync(listener.Environment());
        var page = await LogInAsync(DashboardProcess.Operator, DashboardProcess.OperatorPassword, dashboard);
        await page.GotoAsync("/letters");
        await Screenshots.TakeAsync(page, "list");
        await page.GotoAsync("/groups");
        await Screenshots.TakeAsync(page, "groups");
        Assert.That(await page.Locator("td.num").First.TextContentAsync(), Is.EqualTo((PlainLetters + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            "every letter in one group: the relay refused them alike");

        await page.GetByRole(AriaRole.Button, new() { Name = "Replay group…" }).ClickAsync();
        await Assertions.Expect(page.Locator("p.dryrun")).ToContainTextAsync($"{PlainLetters + 1} dead letter(s) selected now");
        Assert.That(own.Smtp.Messages, Is.Empty, "a dry run sends nothing");
        await Screenshots.TakeAsync(page, "dry-run");
        await page.GetByLabel("Pace: at most").FillAsync("5");
        await page.GetByRole(AriaRole.Button, new() { NameRegex = ConfirmReplay() }).ClickAsync();

        await Assertions.Expect(page.Locator("#job-state")).ToHaveTextAsync("completed", new() { Timeout = 60_000 });
        await Screenshots.TakeAsync(page, "job");
        Assert.That(await own.BecomesEmptyAsync(own.WorkQueue, TimeSpan.FromSeconds(30)), Is.True, $"{worker.Output}\n{dashboard.Output}");
        var copies = own.CopiesByRecipient();
        // The overview reads the running worker's /metrics every 10 s (and reloads itself as often): its breaker at once,
        // rates from the second scrape.
        await page.GotoAsync("/");
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync($"{Recipients().Count()} delivered since the worker started",
            new() { Timeout = 45_000 });
        var overview = await page.Locator("main").TextContentAsync();
        await Screenshots.TakeAsync(page, "overview");
        await page.GotoAsync("/audit");
        await Screenshots.TakeAsync(page, "audit");

        Assert.Multiple(async () =>
        {
            Assert.That(copies.Keys, Is.EquivalentTo(Recipients()), $"every replayed letter reached the SMTP server\n{worker.Output}\n{dashboard.Output}");
            Assert.That(copies.Values.Select(c => c.Count), Is.All.EqualTo(1), "each exactly once");
            Assert.That(overview, Does.Contain("Relay circuit breaker closed"), "the breaker as the worker's metrics say");
            var entry = page.Locator("tr", new() { HasText = "replay" });
            Assert.That(await entry.CountAsync(), Is.EqualTo(1));
            Assert.That(await entry.First.TextContentAsync(), Does.Contain(DashboardProcess.Operator).And.Contain("--group").And.Contain("at 5/s"));
        });
    }

    private async Task<IPage> LogInAsync(string user, string password, DashboardProcess? dashboard = null)
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = (dashboard ?? _dashboard).BaseUrl,
            ViewportSize = new ViewportSize { Width = 1200, Height = 720 },
        });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        await page.GetByLabel("User").FillAsync(user);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Overview");
        return page;
    }

    /// <summary>Forms that post to an action and buttons that say replay or purge.</summary>
    private static async Task<int> ActionControlsAsync(IPage page) =>
        await page.Locator("form[action^='/actions']").CountAsync()
        + await page.GetByRole(AriaRole.Button, new() { NameRegex = ReplayOrPurge() }).CountAsync();

    private static async Task<string?> LetterStateAsync(IPage page, string letterPath)
    {
        await page.GotoAsync(letterPath);
        return await page.Locator("dt:text-is('State') + dd").TextContentAsync();
    }

    /// <summary>A form post from the page's session (its cookies), as a browser or a forged page would send it.</summary>
    private static Task<IAPIResponse> PostAsync(IPage page, string path, params (string Name, string Value)[] fields)
    {
        var form = page.APIRequest.CreateFormData();
        foreach (var (name, value) in fields)
            form.Append(name, value);
        return page.APIRequest.PostAsync(path, new APIRequestContextOptions { Form = form, MaxRedirects = 0 });
    }

    [GeneratedRegex("replay|purge", RegexOptions.IgnoreCase)]
    private static partial Regex ReplayOrPurge();

    [GeneratedRegex("^Confirm: replay")]
    private static partial Regex ConfirmReplay();
}
