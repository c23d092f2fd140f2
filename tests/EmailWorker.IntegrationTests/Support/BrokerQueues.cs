using EmailWorker.TestSupport;

namespace EmailWorker.IntegrationTests.Support;

/// <summary>The queues the broker has, from the management API: what a declaration really left behind.</summary>
public static class BrokerQueues
{
    /// <summary>The names of every queue of <paramref name="broker"/>'s virtual host that start with <paramref name="prefix"/>.</summary>
    public static async Task<IReadOnlyList<string>> NamesAsync(BrokerEndpoint broker, string prefix)
    {
        using var document = await ManagementApi.GetAsync(broker, $"queues/{Uri.EscapeDataString(broker.VirtualHost)}?columns=name")
            ?? throw new HttpRequestException($"the virtual host {broker.VirtualHost} does not exist", null, System.Net.HttpStatusCode.NotFound);
        return [.. document.RootElement.EnumerateArray().Select(queue => queue.GetProperty("name").GetString()!)
            .Where(name => name.StartsWith(prefix, StringComparison.Ordinal))];
    }
}
