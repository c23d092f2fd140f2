namespace EmailWorker.IntegrationTests.Support;

/// <summary>
/// Reads every message of some queues without taking them: got without ack on a connection of its own, which is then
/// closed so the broker returns them all. Each return counts towards a quorum queue's delivery limit (20 in the tests):
/// peek once per test, with no worker consuming. Only the reads can fail the test; the close is bounded and best effort
/// (after a broker kill it may time out, and the broker returns the messages when the connection goes anyway).
/// </summary>
public static class QueuePeek
{
    /// <summary>The messages of <paramref name="queues"/>, in queue order; a queue that does not exist holds none.</summary>
    public static async Task<List<DeadLetter>> AllAsync(WorkerTestContext context, IEnumerable<string> queues)
    {
        var token = TestContext.CurrentContext.CancellationToken;
        var found = new List<DeadLetter>();
        // A connection of its own, opened now: the test's shared one may still be recovering from a broker the scenario
        // killed (its RPCs then time out), and closing this one returns every peeked message.
        var connection = await context.Broker.CreateFactory().CreateConnectionAsync(token);
        try
        {
            foreach (var queue in queues)
            {
                // Left open: the connection's close below returns what it got, whatever state the channel is in.
                var channel = await connection.CreateChannelAsync(cancellationToken: token);
                try
                {
                    while (await channel.BasicGetAsync(queue, autoAck: false, token) is { } result)
                        found.Add(new DeadLetter(result.Body.ToArray(), result.BasicProperties.Headers?.ToDictionary() ?? []));
                }
                catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
                {
                    // The queue does not exist (e.g. the scenario deleted it): nothing waits there. The channel is closed.
                }
            }
        }
        finally
        {
            await Cleanup.QuietlyAsync(bound => connection.CloseAsync(200, "peeked", TimeSpan.FromSeconds(10), abort: false, bound));
            await Cleanup.QuietlyAsync(_ => connection.DisposeAsync().AsTask());
        }
        return found;
    }
}
