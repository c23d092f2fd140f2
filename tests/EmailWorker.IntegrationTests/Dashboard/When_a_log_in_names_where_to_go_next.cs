using System.Net;
using EmailWorker.IntegrationTests.Support;

namespace EmailWorker.IntegrationTests.Dashboard;

/// <summary>
/// The log-in form's <c>returnUrl</c> comes from a link anybody can send: after a good log-in the dashboard redirects to
/// it only when it is a path of this site (read from the real dashboard's <c>Location</c> header over HTTP).
/// </summary>
[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_a_log_in_names_where_to_go_next
{
    private readonly WorkerListener _listener = new();
    private WorkerTestContext _context = null!;
    private DashboardProcess _dashboard = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _context = new WorkerTestContext();
        _dashboard = await DashboardProcess.StartAsync(_context, _listener.BaseUrl + "/metrics");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _dashboard.DisposeAsync();
        await _context.DisposeAsync();
        _listener.Dispose();
    }

    [TestCase("/letters?state=all")]
    [TestCase("/jobs")]
    public async Task Should_go_to_a_path_of_the_site(string returnUrl)
    {
        using var http = new DashboardHttp(_dashboard.BaseUrl);
        using var response = await http.LogInAsync(DashboardProcess.Viewer, DashboardProcess.ViewerPassword, returnUrl);
        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
            Assert.That(response.Headers.Location?.OriginalString, Is.EqualTo(returnUrl));
        });
    }

    // A tab, a line feed or a carriage return is stripped by browsers: "/\t/evil.example" becomes "//evil.example".
    [TestCase("/\t/evil.example")]
    [TestCase("/\n/evil.example")]
    [TestCase("/\r/evil.example")]
    [TestCase("//evil.example")]
    [TestCase("/\\evil.example")]
    [TestCase("https://evil.example/")]
    [TestCase("evil.example")]
    public async Task Should_go_home_instead_of_anywhere_else(string returnUrl)
    {
        using var http = new DashboardHttp(_dashboard.BaseUrl);
        using var response = await http.LogInAsync(DashboardProcess.Viewer, DashboardProcess.ViewerPassword, returnUrl);
        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
            Assert.That(response.Headers.Location?.OriginalString, Is.EqualTo("/"), "not an open redirect");
        });
    }
}
