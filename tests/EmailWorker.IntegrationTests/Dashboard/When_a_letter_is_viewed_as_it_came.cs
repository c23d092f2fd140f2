using System.Net;
using EmailWorker.IntegrationTests.Support;
using static EmailWorker.IntegrationTests.Support.LettersAsTheyCame;

namespace EmailWorker.IntegrationTests.Dashboard;

/// <summary>
/// The letter page's raw view (<c>?view=raw</c>) on the real dashboard over HTTP: a viewer, who may see bodies, sees every
/// AMQP property and the body's bytes escaped — no control character reaches the page, not even as a character reference.
/// </summary>
[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_a_letter_is_viewed_as_it_came
{
    private readonly WorkerListener _listener = new();
    private WorkerTestContext _context = null!;
    private DashboardProcess _dashboard = null!;
    private Dictionary<string, string> _ids = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _context = new WorkerTestContext();
        await MakeAsync(_context);
        _ids = await LetterIdsAsync(_context);
        _dashboard = await DashboardProcess.StartAsync(_context, _listener.BaseUrl + "/metrics");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _dashboard.DisposeAsync();
        await _context.DisposeAsync();
        _listener.Dispose();
    }

    [Test]
    public async Task Should_show_a_viewer_the_properties_and_the_body_escaped()
    {
        using var http = new DashboardHttp(_dashboard.BaseUrl);
        using (var login = await http.LogInAsync(DashboardProcess.Viewer, DashboardProcess.ViewerPassword))
            Assert.That(login.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        var page = await http.GetStringAsync($"/letters/{_ids[Escapes]}?view=raw");
        var foreign = await http.GetStringAsync($"/letters/{_ids[Foreign]}?view=raw");
        // What the browser shows: the page with its character references resolved.
        var shown = WebUtility.HtmlDecode(page);
        Assert.Multiple(() =>
        {
            Assert.That(shown, Does.Contain(@"line1\r\n" + "\n" + @"\u001b]52;c;ZXZpbA==\u0007\u001b[2J\u202eexe.pdf\u0000\xff\xfe\xc3\\end\n"), "the body, every byte");
            foreach (var control in new[] { "\u001b", "\u0007", "\u202e", "\0", "\r" })
                Assert.That(shown, Does.Not.Contain(control), $"no U+{(int)control[0]:X4} on the page");
            Assert.That(shown, Does.Contain("<td>content-type</td><td>text/plain</td>"));
            Assert.That(shown, Does.Contain("<td>app-id</td><td>legacy-billing</td>"));
            Assert.That(WebUtility.HtmlDecode(foreign), Does.Contain("<td>priority</td><td>7</td>").And.Contain("<td>reply-to</td><td>replies</td>"));
            Assert.That(WebUtility.HtmlDecode(foreign), Does.Contain(@"from elsewhere \x80"));
        });
    }

    [Test]
    public async Task Should_show_the_first_64_kib_of_a_large_body_and_say_so()
    {
        using var http = new DashboardHttp(_dashboard.BaseUrl);
        using (await http.LogInAsync(DashboardProcess.Viewer, DashboardProcess.ViewerPassword))
        {
        }
        var shown = WebUtility.HtmlDecode(await http.GetStringAsync($"/letters/{_ids[Large]}?view=raw"));
        Assert.Multiple(() =>
        {
            Assert.That(shown, Does.Contain($"The first {64 * 1024} of {LargeBytes} bytes"));
            // About 3.1 characters a byte escaped: 64 KiB is about 0.2 million characters, the whole body about 4.9 million.
            Assert.That(shown.Length, Is.LessThan(4 * 64 * 1024 + 64 * 1024), "the page holds the 64 KiB shown, escaped, and no more");
        });
    }

    [Test]
    public async Task Should_link_the_raw_view_from_the_letter_page()
    {
        using var http = new DashboardHttp(_dashboard.BaseUrl);
        using (await http.LogInAsync(DashboardProcess.Viewer, DashboardProcess.ViewerPassword))
        {
        }
        Assert.That(await http.GetStringAsync($"/letters/{_ids[Plain]}"), Does.Contain($"href=\"/letters/{_ids[Plain]}?view=raw\""));
    }

    [Test]
    public async Task Should_send_someone_not_logged_in_to_the_log_in()
    {
        using var http = new DashboardHttp(_dashboard.BaseUrl);
        var page = await http.GetStringAsync($"/letters/{_ids[Escapes]}?view=raw");
        Assert.That(page, Does.Not.Contain("exe.pdf"));
    }
}
