using EmailWorker.TestSupport;

namespace EmailWorker.IntegrationTests;

/// <summary>
/// Provides the broker for the whole test run: the one named by <c>RABBITMQ_URL</c> (or <c>EMAILWORKER__RABBITMQ__*</c>),
/// otherwise a throwaway local node started here and stopped at the end.
/// </summary>
[SetUpFixture]
public sealed class BrokerSetUp
{
    private static BrokerEndpoint? _endpoint;
    private ThrowawayRabbitNode? _node;

    public static BrokerEndpoint Endpoint => _endpoint ?? throw new InvalidOperationException("The broker set-up has not run");

    /// <summary>The local node, when the tests started one (null against an external broker).</summary>
    public static ThrowawayRabbitNode? Node { get; private set; }

    /// <summary>
    /// The local node for a test that stops, kills or alarms it; against an external broker (<c>RABBITMQ_URL</c>) the
    /// test is ignored with <paramref name="why"/>, so it shows as skipped in the totals with its reason.
    /// </summary>
    public static ThrowawayRabbitNode OwnNode(string why)
    {
        if (Node is null)
            Assert.Ignore($"needs the throwaway node ({why}); an external broker (RABBITMQ_URL) is never stopped or alarmed by tests");
        return Node;
    }

    [OneTimeSetUp]
    public async Task StartBrokerAsync()
    {
        _endpoint = BrokerEndpoint.FromEnvironment();
        if (_endpoint is not null)
            return;
        _node = await ThrowawayRabbitNode.StartAsync(TimeSpan.FromSeconds(90));
        Node = _node;
        _endpoint = new BrokerEndpoint("127.0.0.1", _node.AmqpPort, "/", "guest", "guest", _node.ManagementPort);
    }

    [OneTimeTearDown]
    public async Task StopBrokerAsync()
    {
        if (_node is not null)
            await _node.DisposeAsync();
    }
}
