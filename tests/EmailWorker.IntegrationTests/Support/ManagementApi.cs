using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using EmailWorker.TestSupport;

namespace EmailWorker.IntegrationTests.Support;

/// <summary>The broker's management API as the tests read it: one authenticated GET, bounded, under the test's cancellation.</summary>
public static class ManagementApi
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    /// <summary>The JSON at <c>/api/<paramref name="path"/></c>, or null when the broker answers 404 (no such queue or exchange).</summary>
    public static async Task<JsonDocument?> GetAsync(BrokerEndpoint broker, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{broker.Host}:{broker.ManagementPort}/api/{path}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{broker.Username}:{broker.Password}")));
        using var response = await Http.SendAsync(request, TestContext.CurrentContext.CancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
            return null;
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.CurrentContext.CancellationToken));
    }

    /// <summary><c>{vhost}/{name}</c>, each escaped, as the API's queue and exchange paths take them.</summary>
    public static string Entity(BrokerEndpoint broker, string name) => $"{Uri.EscapeDataString(broker.VirtualHost)}/{Uri.EscapeDataString(name)}";
}
