using System.Text.Json;
using EmailWorker.IntegrationTests.Support;
using RabbitMQ.Client;

namespace EmailWorker.IntegrationTests;

/// <summary>
/// The AMQP <c>timestamp</c> property is the producer's: amqplib's <c>timestamp: Date.now()</c> sends milliseconds, and
/// nothing stops a producer from sending any 64-bit value. Reading it after the 250 must never send the mail again.
/// </summary>
[TestFixture]
[Category("Fault")]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_a_producer_sets_an_odd_timestamp
{
    [Test]
    public async Task Should_deliver_each_message_exactly_once_whatever_the_timestamp_holds()
    {
        await using var context = new WorkerTestContext(ingestDeadLetters: false);
        await using var worker = await context.StartConsumingAsync();
        var timestamps = new Dictionary<string, long>
        {
            ["stamp-millis"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            ["stamp-max"] = long.MaxValue,
            ["stamp-negative"] = long.MinValue,
            ["stamp-future"] = DateTimeOffset.UtcNow.AddYears(5).ToUnixTimeSeconds(),
        };
        var connection = await context.ConnectionAsync();
        await using (var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true)))
        {
            foreach (var (messageId, unixTime) in timestamps)
            {
                var properties = new BasicProperties { ContentType = "application/json", Persistent = true, Timestamp = new AmqpTimestamp(unixTime) };
                await channel.BasicPublishAsync(context.WorkQueue, "", mandatory: true, properties,
                    JsonSerializer.SerializeToUtf8Bytes(SampleMessages.Simple(messageId, $"{messageId}@example.org")), TestContext.CurrentContext.CancellationToken);
            }
        }

        Assert.That(await context.Smtp.WaitForMessagesAsync(timestamps.Count, TimeSpan.FromSeconds(30)), Is.True, worker.Output);
        // Once nothing is ready or unacked, no further copy can come: the counts below are final.
        Assert.That(await context.BecomesEmptyAsync(context.WorkQueue, TimeSpan.FromSeconds(60)), Is.True, $"{await context.QueueCountsAsync(context.WorkQueue)}");
        Assert.Multiple(async () =>
        {
            Assert.That(Copies.PerRecipient(context), Is.EqualTo(Copies.OnceEach(timestamps.Keys.Select(id => (id, $"{id}@example.org")))),
                "one copy per message: a timestamp nobody can read is no reason to send again");
            Assert.That(await context.BecomesEmptyAsync(context.DeadQueue), Is.True, "nothing was dead-lettered as poison");
        });
    }
}
