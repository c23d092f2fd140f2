using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace EmailWorker.IntegrationTests.Dashboard;

/// <summary>
/// The dashboard over plain HTTP, as a proxy or a script reaches it: its own cookies (kept by hand and sent back, Secure
/// or not, as a TLS proxy in front would pass them), no redirects followed (so a test reads the <c>Location</c> header),
/// and optionally a loopback source address of its own (127.0.0.2, …) so that one test can be a trusted proxy and
/// another an untrusted client of the same listener.
/// </summary>
public sealed partial class DashboardHttp : IDisposable
{
    private readonly HttpClient _http;

    public DashboardHttp(string baseUrl, IPAddress? sourceAddress = null)
    {
        var handler = new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false };
        if (sourceAddress is not null)
            handler.ConnectCallback = (context, token) => ConnectFromAsync(sourceAddress, context.DnsEndPoint, token);
        _http = new HttpClient(handler) { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>The cookies the dashboard set, by name.</summary>
    public Dictionary<string, string> Cookies { get; } = [];

    /// <summary>Posts the log-in form (with the CSRF token of a fresh log-in page) and returns the raw response.</summary>
    public async Task<HttpResponseMessage> LogInAsync(string user, string password, string returnUrl = "/",
        IReadOnlyDictionary<string, string>? headers = null)
    {
        var token = TestContext.CurrentContext.CancellationToken;
        using var form = new HttpRequestMessage(HttpMethod.Get, "/login");
        AddHeaders(form, headers);
        using var page = await SendAsync(form, token);
        var csrf = CsrfField().Match(await page.Content.ReadAsStringAsync(token)).Groups[1].Value;
        Assert.That(csrf, Is.Not.Empty, "the log-in page carries a CSRF token");
        var post = new HttpRequestMessage(HttpMethod.Post, "/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["csrf"] = WebUtility.HtmlDecode(csrf), ["user"] = user, ["password"] = password, ["returnUrl"] = returnUrl,
            }),
        };
        AddHeaders(post, headers);
        return await SendAsync(post, token);
    }

    /// <summary>A page of the session, as text.</summary>
    public async Task<string> GetStringAsync(string path)
    {
        var token = TestContext.CurrentContext.CancellationToken;
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        using var response = await SendAsync(request, token);
        return await response.Content.ReadAsStringAsync(token);
    }

    /// <summary>Posts a form of the session (fields in order, a name may repeat) and returns the raw response.</summary>
    public Task<HttpResponseMessage> PostFormAsync(string path, IEnumerable<KeyValuePair<string, string>> fields)
    {
        var post = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(fields) };
        return SendAsync(post, TestContext.CurrentContext.CancellationToken);
    }

    /// <summary>The session's CSRF token, from a page's forms (the log-out form is on every page).</summary>
    public static string CsrfOf(string html) => WebUtility.HtmlDecode(CsrfField().Match(html).Groups[1].Value);

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken token)
    {
        if (Cookies.Count > 0)
            request.Headers.Add("Cookie", string.Join("; ", Cookies.Select(c => $"{c.Key}={c.Value}")));
        var response = await _http.SendAsync(request, token);
        foreach (var cookie in response.Headers.TryGetValues("Set-Cookie", out var set) ? set : [])
        {
            var pair = cookie.Split(';')[0].Split('=', 2);
            Cookies[pair[0]] = pair[1];
        }
        return response;
    }

    public void Dispose() => _http.Dispose();

    private static void AddHeaders(HttpRequestMessage request, IReadOnlyDictionary<string, string>? headers)
    {
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
            request.Headers.TryAddWithoutValidation(name, value);
    }

    private static async ValueTask<Stream> ConnectFromAsync(IPAddress source, DnsEndPoint target, CancellationToken token)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.Bind(new IPEndPoint(source, 0));
            await socket.ConnectAsync(IPAddress.Parse(target.Host), target.Port, token);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    [GeneratedRegex("name=\"csrf\" value=\"([^\"]+)\"")]
    private static partial Regex CsrfField();
}
