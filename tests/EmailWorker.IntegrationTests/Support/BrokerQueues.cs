using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using EmailWorker.TestSupport;

namespace EmailWorker.IntegrationTests.Support;

/// <summary>The queues the broker has, from the management API: what a declaration really left behind.</summary>
public static class BrokerQueues
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    /// <summary>The names of every queue of <paramref name="broker"/>'s virtual host that start with <paramref name="prefix"/>.</summary>
    public static async Task<IReadOnlyList<string>> NamesAsync(BrokerEndpoint broker, string prefix)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get,
            $"http://{broker.Host}:{broker.ManagementPort}/api/queues/{Uri.EscapeDataString(broker.VirtualHost)}?columns=name");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{broker.Username}:{broker.Password}")));
        using var response = await Http.SendAsync(request, TestContext.CurrentContext.CancellationToken);
        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.CurrentContext.CancellationToken));
        return [.. document.RootElement.EnumerateArray().Select(queue => queue.GetProperty("name").GetString()!)
            .Where(name => name.StartsWith(prefix, StringComparison.Ordinal))];
    }
}
