using System.Net;
using EmailWorker.IntegrationTests.Support;

namespace EmailWorker.IntegrationTests.Dashboard;

/// <summary>
/// The dashboard behind a TLS reverse proxy (<c>Dashboard:KnownProxies</c> = 127.0.0.1), reached over real HTTP: the proxy
/// is a client from 127.0.0.1 that sends X-Forwarded-For/-Proto, an untrusted client comes from 127.0.0.2 or 127.0.0.3
/// (other loopback addresses) and sends the same headers, which must then be ignored.
/// </summary>
[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_the_dashboard_is_behind_a_tls_proxy
{
    /// <summary>The dashboard's limits (its <c>LoginThrottle</c>): per client address, and per name from one address.</summary>
    private const int AttemptsPerAddress = 30;
    private const int AttemptsPerName = 10;

    private static readonly IPAddress Proxy = IPAddress.Loopback;
    private readonly WorkerListener _listener = new();
    private WorkerTestContext _context = null!;
    private DashboardProcess _dashboard = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _context = new WorkerTestContext();
        _dashboard = await DashboardProcess.StartAsync(_context, _listener.BaseUrl + "/metrics",
            new Dictionary<string, string> { ["EMAILWORKER__DASHBOARD__KNOWNPROXIES"] = "127.0.0.1" });
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _dashboard.DisposeAsync();
        await _context.DisposeAsync();
        _listener.Dispose();
    }

    [Test]
    public async Task Should_mark_the_session_cookie_secure_when_the_proxy_says_https()
    {
        using var proxy = new DashboardHttp(_dashboard.BaseUrl, Proxy);
        using var response = await proxy.LogInAsync(DashboardProcess.Viewer, DashboardProcess.ViewerPassword,
            headers: Forwarded("192.0.2.10", "https"));

        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
            Assert.That(SessionCookie(response), Does.Contain("secure").IgnoreCase, "the browser reached the proxy over https");
        });
    }

    [Test]
    public async Task Should_ignore_forwarded_headers_from_a_client_that_is_not_a_known_proxy()
    {
        using var client = new DashboardHttp(_dashboard.BaseUrl, IPAddress.Parse("127.0.0.2"));
        using var response = await client.LogInAsync(DashboardProcess.Viewer, DashboardProcess.ViewerPassword,
            headers: Forwarded("192.0.2.11", "https"));

        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
            Assert.That(SessionCookie(response), Does.Not.Contain("secure").IgnoreCase, "plain http: the client's claim is not believed");
            Assert.That(_dashboard.Output, Does.Not.Contain("192.0.2.11"), "nor its claimed address");
        });
    }

    [Test]
    public async Task Should_throttle_random_names_from_one_client_address()
    {
        using var proxy = new DashboardHttp(_dashboard.BaseUrl, Proxy);
        var statuses = new List<HttpStatusCode>();
        for (var attempt = 0; attempt <= AttemptsPerAddress; attempt++)
        {
            using var response = await proxy.LogInAsync($"guess{attempt}", "wrong-password", headers: Forwarded("198.51.100.1", "https"));
            statuses.Add(response.StatusCode);
        }

        Assert.Multiple(() =>
        {
            Assert.That(statuses.Take(AttemptsPerAddress), Is.All.EqualTo(HttpStatusCode.Unauthorized), "refused, one name each");
            Assert.That(statuses[^1], Is.EqualTo((HttpStatusCode)429), "one attempt too many from this address this minute");
        });
    }

    [Test]
    public async Task Should_throttle_a_spoofing_client_by_its_own_address()
    {
        using var client = new DashboardHttp(_dashboard.BaseUrl, IPAddress.Parse("127.0.0.3"));
        var statuses = new List<HttpStatusCode>();
        for (var attempt = 0; attempt <= AttemptsPerAddress; attempt++)
        {
            using var response = await client.LogInAsync($"spoof{attempt}", "wrong-password", headers: Forwarded($"203.0.113.{attempt + 1}", "https"));
            statuses.Add(response.StatusCode);
        }

        Assert.That(statuses[^1], Is.EqualTo((HttpStatusCode)429), "a new X-Forwarded-For each time buys no attempt");
    }

    [Test]
    public async Task Should_not_let_one_guesser_behind_the_proxy_lock_out_an_operator_elsewhere()
    {
        using var proxy = new DashboardHttp(_dashboard.BaseUrl, Proxy);
        var statuses = new List<HttpStatusCode>();
        for (var attempt = 0; attempt <= AttemptsPerName; attempt++)
        {
            using var response = await proxy.LogInAsync(DashboardProcess.Operator, $"guess{attempt}", headers: Forwarded("198.51.100.2", "https"));
            statuses.Add(response.StatusCode);
        }
        using var operatorProxy = new DashboardHttp(_dashboard.BaseUrl, Proxy);
        using var operatorLogIn = await operatorProxy.LogInAsync(DashboardProcess.Operator, DashboardProcess.OperatorPassword,
            headers: Forwarded("198.51.100.3", "https"));

        Assert.Multiple(() =>
        {
            Assert.That(statuses[^1], Is.EqualTo((HttpStatusCode)429), "the guesser is throttled");
            Assert.That(operatorLogIn.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), "the operator, from another address behind the same proxy, logs in");
        });
    }

    private static Dictionary<string, string> Forwarded(string client, string scheme) =>
        new() { ["X-Forwarded-For"] = client, ["X-Forwarded-Proto"] = scheme };

    private static string SessionCookie(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var cookies)
            ? cookies.FirstOrDefault(c => c.StartsWith("emailworker.dashboard=", StringComparison.Ordinal)) ?? "" : "";
}
