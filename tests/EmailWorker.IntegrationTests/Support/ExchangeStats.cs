using EmailWorker.TestSupport;

namespace EmailWorker.IntegrationTests.Support;

/// <summary>
/// How many messages the broker has taken into an exchange since it was declared (management API, <c>publish_in</c>):
/// evidence that something never happened (no message ever went to a retry tier) which a queue's current counts cannot
/// give. The figures trail by the statistics interval (1 s on the tests' node); the broker reports none before the first.
/// </summary>
public static class ExchangeStats
{
    public static async Task<long> PublishedInAsync(BrokerEndpoint broker, string exchange)
    {
        using var document = await ManagementApi.GetAsync(broker, $"exchanges/{ManagementApi.Entity(broker, exchange)}")
            ?? throw new HttpRequestException($"exchange {exchange} does not exist", null, System.Net.HttpStatusCode.NotFound);
        return document.RootElement.TryGetProperty("message_stats", out var stats) && stats.TryGetProperty("publish_in", out var published)
            ? published.GetInt64()
            : 0;
    }
}
