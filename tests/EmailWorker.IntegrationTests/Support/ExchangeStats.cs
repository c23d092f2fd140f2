using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using EmailWorker.TestSupport;

namespace EmailWorker.IntegrationTests.Support;

/// <summary>
/// How many messages the broker has taken into an exchange since it was declared (management API, <c>publish_in</c>):
/// evidence that something never happened (no message ever went to a retry tier) which a queue's current counts cannot
/// give. The figures trail by the statistics interval (1 s on the tests' node); the broker reports none before the first.
/// </summary>
public static class ExchangeStats
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    public static async Task<long> PublishedInAsync(BrokerEndpoint broker, string exchange)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get,
            $"http://{broker.Host}:{broker.ManagementPort}/api/exchanges/{Uri.EscapeDataString(broker.VirtualHost)}/{Uri.EscapeDataString(exchange)}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{broker.Username}:{broker.Password}")));
        using var response = await Http.SendAsync(request, TestContext.CurrentContext.CancellationToken);
        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.CurrentContext.CancellationToken));
        return document.RootElement.TryGetProperty("message_stats", out var stats) && stats.TryGetProperty("publish_in", out var published)
            ? published.GetInt64()
            : 0;
    }
}
