using System.Text;
using System.Text.Json;
using EmailWorker.IntegrationTests.Support;
using EmailWorker.SmtpSink;
using RabbitMQ.Client;

namespace EmailWorker.IntegrationTests;

/// <summary>
/// A producer's priority, reply-to, expiration and user-id survive the worker's moves: a message refused for a while (a
/// retry tier) and then for good is dead-lettered, and the store shows all four as the producer sent them, though the
/// worker publishes the expiration and user-id as headers only (as properties the dead letter would expire, and the
/// broker would refuse the worker's publish). A replay publishes the priority and reply-to again, never the other two.
/// Read from the store (<c>dlq show --raw --json</c>) and from the work queue.
/// </summary>
[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_a_dead_letter_keeps_what_the_producer_sent
{
    private const string MessageId = "producer-properties";
    private const byte Priority = 7;
    private const string ReplyTo = "billing.replies";
    // Long enough to outlive the test: the message must be dead-lettered, not expire on its way.
    private const string Expiration = "600000";

    [Test]
    public async Task Should_show_the_producers_properties_and_replay_only_those_that_are_safe()
    {
        await using var context = new WorkerTestContext("1s,2s");
        var refusals = 0;
        context.Smtp.Script.OnRcptTo = _ => Interlocked.Increment(ref refusals) == 1
            ? new SmtpReply(451, "4.3.0 Try again later")
            : new SmtpReply(550, "5.1.1 User unknown");
        // The test broker's user: the broker validates a user-id against the publishing connection's user.
        var userId = context.Broker.Username;

        string letterId;
        await using (var worker = await context.StartConsumingAsync())
        {
            await PublishAsync(context, userId);
            Assert.That(await WorkerTestContext.EventuallyAsync(async () => (await LettersAsTheyCame.LetterIdsAsync(context)).ContainsKey(MessageId),
                TimeSpan.FromSeconds(60)), Is.True, worker.Output);
            letterId = (await LettersAsTheyCame.LetterIdsAsync(context))[MessageId];
        }

        var (exitCode, stdout, stderr) = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "show", letterId, "--raw", "--json");
        Assert.That(exitCode, Is.Zero, stderr);
        var letter = JsonDocument.Parse(stdout).RootElement.EnumerateArray().Single();
        var properties = letter.GetProperty("properties");
        Assert.Multiple(() =>
        {
            Assert.That(letter.GetProperty("record").GetProperty("class").GetString(), Is.EqualTo("permanent"));
            Assert.That(letter.GetProperty("record").GetProperty("attempts").GetInt32(), Is.EqualTo(2), "through a retry tier first");
            Assert.That(properties.GetProperty("priority").GetInt32(), Is.EqualTo(Priority));
            Assert.That(properties.GetProperty("replyTo").GetString(), Is.EqualTo(ReplyTo));
            Assert.That(properties.GetProperty("expiration").GetString(), Is.EqualTo(Expiration));
            Assert.That(properties.GetProperty("userId").GetString(), Is.EqualTo(userId));
        });

        var replay = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "replay", letterId, "--yes");
        Assert.That(replay.ExitCode, Is.Zero, replay.Stderr);
        var replayed = await TakeAsync(context);
        Assert.Multiple(() =>
        {
            Assert.That(replayed.Priority, Is.EqualTo(Priority));
            Assert.That(replayed.ReplyTo, Is.EqualTo(ReplyTo));
            Assert.That(replayed.IsExpirationPresent(), Is.False, "the producer's expiration is not the replay's");
            Assert.That(replayed.IsUserIdPresent(), Is.False, "the broker would refuse the producer's user-id from the CLI's user");
            Assert.That(Header(replayed, "email-original-expiration"), Is.EqualTo(Expiration));
            Assert.That(Header(replayed, "email-original-user-id"), Is.EqualTo(userId));
        });
    }

    private static async Task PublishAsync(WorkerTestContext context, string userId)
    {
        var connection = await context.ConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true));
        var properties = new BasicProperties
        {
            ContentType = "application/json", MessageId = MessageId, Persistent = true,
            Priority = Priority, ReplyTo = ReplyTo, Expiration = Expiration, UserId = userId,
        };
        var body = JsonSerializer.SerializeToUtf8Bytes(SampleMessages.Simple(MessageId, "gone@example.org"));
        await channel.BasicPublishAsync(context.WorkQueue, "", mandatory: true, properties, body);
    }

    /// <summary>The one message in the work queue (no worker consumes it now), taken with its properties.</summary>
    private static async Task<IReadOnlyBasicProperties> TakeAsync(WorkerTestContext context)
    {
        var connection = await context.ConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var taken = await channel.BasicGetAsync(context.WorkQueue, autoAck: true);
        Assert.That(taken, Is.Not.Null, "the replay is in the work queue");
        return taken!.BasicProperties;
    }

    private static string? Header(IReadOnlyBasicProperties properties, string name) =>
        properties.Headers?.TryGetValue(name, out var value) == true && value is byte[] bytes ? Encoding.UTF8.GetString(bytes) : null;
}
