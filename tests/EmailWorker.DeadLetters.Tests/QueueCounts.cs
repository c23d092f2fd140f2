using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using EmailWorker.TestSupport;

namespace EmailWorker.DeadLetters.Tests;

/// <summary>A queue's ready and unacknowledged counts from the management API (AMQP tells only the ready ones).</summary>
internal static class QueueCounts
{
    public static async Task<(long Ready, long Unacked)?> ReadAsync(BrokerEndpoint broker, string queue, CancellationToken cancellationToken)
    {
        using var http = Management(broker);
        using var response = await http.GetAsync($"api/queues/{Uri.EscapeDataString(broker.VirtualHost)}/{Uri.EscapeDataString(queue)}", cancellationToken);
        if (!response.IsSuccessStatusCode)
            return null;
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        var root = document.RootElement;
        // A queue's statistics appear a moment after it is declared.
        return root.TryGetProperty("messages_ready", out var ready) && root.TryGetProperty("messages_unacknowledged", out var unacked)
            ? (ready.GetInt64(), unacked.GetInt64())
            : null;
    }

    /// <summary>
    /// Whether <paramref name="queue"/> is bound to the exchange of the same name: a queue declared again is bound a
    /// moment later, and a mandatory publish in between comes back NO_ROUTE.
    /// </summary>
    public static async Task<bool> IsBoundAsync(BrokerEndpoint broker, string queue, CancellationToken cancellationToken)
    {
        using var http = Management(broker);
        var vhost = Uri.EscapeDataString(broker.VirtualHost);
        using var response = await http.GetAsync($"api/bindings/{vhost}/e/{Uri.EscapeDataString(queue)}/q/{Uri.EscapeDataString(queue)}", cancellationToken);
        if (!response.IsSuccessStatusCode)
            return false;
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return document.RootElement.GetArrayLength() > 0;
    }

    private static HttpClient Management(BrokerEndpoint broker)
    {
        var http = new HttpClient { BaseAddress = new Uri($"http://{broker.Host}:{broker.ManagementPort}/"), Timeout = TimeSpan.FromSeconds(5) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{broker.Username}:{broker.Password}")));
        return http;
    }
}
