using System.Net;
using System.Text.RegularExpressions;
using EmailWorker.IntegrationTests.Support;

namespace EmailWorker.IntegrationTests.Dashboard;

/// <summary>
/// Two dashboard processes on one store, as two replicas behind a load balancer: the log-in cookie and the CSRF token one
/// of them issued are accepted by the other, because their data-protection keys are in the store, not in memory.
/// </summary>
[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed partial class When_two_dashboards_share_a_store
{
    [Test]
    public async Task Should_accept_the_cookie_and_the_form_token_the_other_issued()
    {
        await using var context = new WorkerTestContext();
        var apply = await CliRun.RunAsync(context.WorkerEnvironment(), "topology", "apply");
        Assert.That(apply.ExitCode, Is.Zero, apply.Stderr);
        await DeadLetterFactory.PublishAsync(context, [("shared-letter", "permanent", "shared@example.org")]);
        // No worker ingests here: the CLI takes the letter into the store.
        var list = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "list");
        Assert.That(list.Stdout, Does.Contain("1 dead letter(s)"), list.Stderr);
        await using var first = await DashboardProcess.StartAsync(context, "http://127.0.0.1:9/metrics");
        await using var second = await DashboardProcess.StartAsync(context, "http://127.0.0.1:9/metrics");

        // Loopback cookies are not told apart by port: one cookie jar serves both, as a browser behind one host name would.
        using var handler = new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        var form = await http.GetStringAsync(first.BaseUrl + "/login");
        var fields = Hidden(form);
        fields["user"] = DashboardProcess.Viewer;
        fields["password"] = DashboardProcess.ViewerPassword;
        using var login = await http.PostAsync(first.BaseUrl + "/login", new FormUrlEncodedContent(fields));
        Assert.That(login.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), "logged in at the first");

        using var letters = await http.GetAsync(second.BaseUrl + "/letters?state=all");
        var page = await letters.Content.ReadAsStringAsync();
        // A form of the first (its CSRF token), posted to the second.
        var logoutToken = Hidden(await http.GetStringAsync(first.BaseUrl + "/letters"));
        using var logout = await http.PostAsync(second.BaseUrl + "/logout", new FormUrlEncodedContent(logoutToken));

        Assert.Multiple(() =>
        {
            Assert.That(letters.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"the second took the first's cookie (got {(int)letters.StatusCode} {letters.Headers.Location})");
            Assert.That(page, Does.Contain("shared-letter"));
            Assert.That(logout.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), "the second took the first's CSRF token (a refused one is 400)");
        });
    }

    private static Dictionary<string, string> Hidden(string html) =>
        HiddenInput().Matches(html).GroupBy(m => m.Groups[1].Value).ToDictionary(g => g.Key, g => WebUtility.HtmlDecode(g.First().Groups[2].Value));

    [GeneratedRegex("""<input type="hidden" name="([^"]+)" value="([^"]*)">""")]
    private static partial Regex HiddenInput();
}
