using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using EmailWorker.TestSupport;

namespace EmailWorker.Benchmarks;

/// <summary>
/// Deletes a run's queues and exchanges after its drain: idle quorum queues left from earlier runs would otherwise pile
/// up on the broker and weigh on every later run (each is a Raft group).
/// </summary>
internal static class Queues
{
    public static async Task DeleteAsync(BrokerEndpoint broker, IEnumerable<string> queues, IEnumerable<string> exchanges)
    {
        await using var connection = await broker.CreateFactory().CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        foreach (var queue in queues)
            await channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false);
        foreach (var exchange in exchanges)
            await channel.ExchangeDeleteAsync(exchange, ifUnused: false);
    }

    /// <summary>Every queue and exchange whose name starts with "<paramref name="prefix"/>." (the worker's whole topology), found with the management API.</summary>
    public static async Task DeleteTopologyAsync(BrokerEndpoint broker, string prefix)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://{broker.Host}:{broker.ManagementPort}/api/"), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{broker.Username}:{broker.Password}")));
        var vhost = Uri.EscapeDataString(broker.VirtualHost);
        await DeleteAsync(broker, await NamesAsync(http, $"queues/{vhost}?columns=name", prefix), await NamesAsync(http, $"exchanges/{vhost}?columns=name", prefix));
    }

    private static async Task<List<string>> NamesAsync(HttpClient http, string path, string prefix)
    {
        using var document = JsonDocument.Parse(await http.GetStringAsync(path));
        return [.. document.RootElement.EnumerateArray().Select(e => e.GetProperty("name").GetString() ?? "")
            .Where(name => name.StartsWith(prefix + ".", StringComparison.Ordinal))];
    }
}
