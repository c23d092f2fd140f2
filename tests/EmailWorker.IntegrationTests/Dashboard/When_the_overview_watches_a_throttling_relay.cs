using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using EmailWorker.IntegrationTests.Support;
using Microsoft.Playwright;

namespace EmailWorker.IntegrationTests.Dashboard;

/// <summary>
/// A worker drains 60 messages into the scripted sink allowing 10 transactions a second (SES's 454 4.7.0 beyond), watched
/// by a dashboard from before the first message: the overview's relay row shows the rate limit the worker lowered and
/// the reason it logged, naming the reply the sink sent, and the chart's throttled bars add up to the refusals the sink
/// counted. Evidence from the page and the sink.
/// </summary>
[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed partial class When_the_overview_watches_a_throttling_relay
{
    private const int Rate = 10;

    [Test]
    public async Task Should_show_the_lowered_limit_its_reason_and_the_throttled_replies_per_minute()
    {
        await using var context = new WorkerTestContext("1s,2s,3s", ingestDeadLetters: false);
        context.Smtp.Limits.MaxTransactionsPerSecond = Rate;
        await context.DeclareWorkQueueAsync();
        using var listener = new WorkerListener();
        await using var worker = await context.StartConsumingAsync(listener.Environment());
        await using var dashboard = await DashboardProcess.StartAsync(context, listener.BaseUrl + "/metrics");
        using var http = new DashboardHttp(dashboard.BaseUrl);
        using (var login = await http.LogInAsync(DashboardProcess.Viewer, DashboardProcess.ViewerPassword))
            Assert.That(login.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        // The history starts with the dashboard's first sample: wait for it before the first message, so every refusal is drawn.
        var page = "";
        Assert.That(await WorkerTestContext.EventuallyAsync(async () => (page = await http.GetStringAsync("/")).Contains("<svg class=\"chart\"", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30)), Is.True, $"no sample of the worker:\n{page}\n{dashboard.Output}");
        Assert.That(RelayRow(page), Does.Contain("never (configured limits)"), "no limit changed before the backlog");

        var expected = Enumerable.Range(0, 60).Select(i => $"charted-{i}").ToList();
        await context.PublishJsonAsync(expected.Select((id, i) => (object)new
        {
            messageId = id,
            from = new { address = "shop@example.com" },
            to = new[] { new { address = $"c{i}@example.org" } },
            subject = "charted",
            text = "hello",
        }));
        Assert.That(await context.Smtp.WaitForMessagesAsync(expected.Count, TimeSpan.FromSeconds(90)), Is.True, worker.Output);
        var refusals = context.Smtp.Limits.RateRefusals;
        // A sample every 10 s: wait for one after the last refusal.
        var drawn = await WorkerTestContext.EventuallyAsync(async () => ThrottledBars(page = await http.GetStringAsync("/")) >= refusals,
            TimeSpan.FromSeconds(45));

        var row = RelayRow(page);
        var lowered = LastLowered().Match(row);
        TestContext.Out.WriteLine($"sink refusals {refusals}; relay row: {row}");
        Assert.Multiple(() =>
        {
            Assert.That(refusals, Is.GreaterThan(0), "the sink did throttle");
            Assert.That(drawn, Is.True, $"throttled bars {ThrottledBars(page)} of {refusals}:\n{page}");
            Assert.That(ThrottledBars(page), Is.EqualTo(refusals), "one throttled reply in the chart per refusal the sink sent");
            Assert.That(page, Does.Contain("class=\"step rate\""), "the rate limit over time");
            Assert.That(lowered.Success, Is.True, $"the last lowered limit and its reason: {row}");
            // The sink's reply (ThrottleReplies.Ses) at MAIL FROM, as the worker logged it.
            Assert.That(lowered.Groups["reason"].Value, Does.StartWith("after 454 4.7.0 at mail"));
            Assert.That(double.Parse(lowered.Groups["to"].Value, CultureInfo.InvariantCulture), Is.LessThan(Rate),
                "lowered below what the sink allows (0.85 × what it accepted)");
            Assert.That(worker.Output, Does.Contain(lowered.Groups["limits"].Value).And.Contain(lowered.Groups["reason"].Value),
                "the reason the worker logged");
            Assert.That(CurrentRate().IsMatch(row), Is.True, $"a rate limit now: {row}");
        });
        await InBrowserAsync(dashboard);
    }

    /// <summary>
    /// The same overview in Chromium under the dashboard's CSP: the chart is drawn with the stylesheet's colours (no inline
    /// style), and its screenshot is docs/screenshots/dashboard-relays.png.
    /// </summary>
    private static async Task InBrowserAsync(DashboardProcess dashboard)
    {
        var (playwright, browser) = await SystemChromium.LaunchAsync();
        try
        {
            var context = await browser.NewContextAsync(new BrowserNewContextOptions
            {
                BaseURL = dashboard.BaseUrl,
                ViewportSize = new ViewportSize { Width = 1200, Height = 720 },
            });
            var page = await context.NewPageAsync();
            await page.GotoAsync("/");
            await page.GetByLabel("User").FillAsync(DashboardProcess.Viewer);
            await page.GetByLabel("Password").FillAsync(DashboardProcess.ViewerPassword);
            await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
            await page.GotoAsync("/#relays");
            var bar = page.Locator("svg.chart rect.bar.throttled").First;
            await Assertions.Expect(bar).ToBeVisibleAsync();
            Assert.That(await bar.EvaluateAsync<string>("e => getComputedStyle(e).fill"), Is.EqualTo("rgb(179, 38, 30)"),
                "the bar has the stylesheet's colour");
            await Screenshots.TakeAsync(page, "relays");
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }
    }

    /// <summary>The default relay's row of the overview, its text decoded.</summary>
    private static string RelayRow(string page) =>
        WebUtility.HtmlDecode(Regex.Replace(RelayRowMarkup().Match(page).Value, "<[^>]+>", " "));

    private static double ThrottledBars(string page) =>
        ThrottledBar().Matches(page).Sum(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));

    [GeneratedRegex("<tr><td>default</td>.*?</tr>", RegexOptions.Singleline)]
    private static partial Regex RelayRowMarkup();

    [GeneratedRegex("""<rect class="bar throttled"[^>]*data-value="([0-9.]+)">""")]
    private static partial Regex ThrottledBar();

    [GeneratedRegex(@"\d\d:\d\d:\d\d\s+(?<limits>\S+ → (?<to>[0-9.]+) transactions/s) (?<reason>after [^)]*\))")]
    private static partial Regex LastLowered();

    [GeneratedRegex(@"\s[0-9.]+ / none\s")]
    private static partial Regex CurrentRate();
}
