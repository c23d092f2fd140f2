using EmailWorker.TestSupport;

namespace EmailWorker.IntegrationTests.Support;

/// <summary>
/// A RabbitMQ node of one fixture's own, for tests that stop, kill or alarm their broker. On the shared node such a fixture
/// had to run alone ([NonParallelizable]: half of the suite's time); with a node to itself it runs beside the others, its
/// tests one after another. Against an external broker (<c>RABBITMQ_URL</c>) the fixture is ignored, with its reason in
/// the totals: tests never stop or alarm a broker they did not start, nor start one where the run was told to use another.
/// </summary>
public sealed class FixtureBroker : IAsyncDisposable
{
    private FixtureBroker(ThrowawayRabbitNode node)
    {
        Node = node;
        Endpoint = new BrokerEndpoint("127.0.0.1", node.AmqpPort, "/", "guest", "guest", node.ManagementPort);
    }

    public ThrowawayRabbitNode Node { get; }

    public BrokerEndpoint Endpoint { get; }

    /// <summary>Starts the node, or ignores the fixture (<paramref name="why"/> it needs its own) against an external broker.</summary>
    public static async Task<FixtureBroker> StartAsync(string why)
    {
        if (BrokerSetUp.Node is null)
            Assert.Ignore($"needs a throwaway node ({why}); an external broker (RABBITMQ_URL) is never stopped or alarmed by tests");
        return new FixtureBroker(await ThrowawayRabbitNode.StartAsync(TimeSpan.FromSeconds(120)));
    }

    /// <summary>A test's context on this node.</summary>
    public WorkerTestContext Context(string retrySchedule = "1s,2s", bool ingestDeadLetters = true) =>
        new(retrySchedule, ingestDeadLetters) { Broker = Endpoint };

    public ValueTask DisposeAsync() => Node.DisposeAsync();
}
