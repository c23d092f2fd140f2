using System.Globalization;
using System.Text.Json;
using EmailWorker.IntegrationTests.Support;
using RabbitMQ.Client;

namespace EmailWorker.IntegrationTests;

/// <summary>
/// A replay of letters whose bodies together pass the replay's byte budget (16 MiB a batch): the batches are cut by size,
/// not by count, and the job's cursor follows them, so each letter reaches the work queue exactly once.
/// </summary>
[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_big_letters_are_replayed
{
    private const int Letters = 7;
    private const int BodyBytes = 5 * 1024 * 1024;

    [Test]
    public async Task Should_publish_each_big_letter_exactly_once_and_mark_it_replayed()
    {
        await using var context = new WorkerTestContext();
        var apply = await CliRun.RunAsync(context.WorkerEnvironment(), "topology", "apply");
        Assert.That(apply.ExitCode, Is.Zero, apply.Stderr);
        var ids = Enumerable.Range(1, Letters).Select(i => $"big-{i}").ToArray();
        await PublishBigAsync(context, ids);

        var replay = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "replay", "--all", "--yes");

        Assert.That(replay.ExitCode, Is.Zero, replay.Stderr);
        var inWork = await DrainIdsAsync(context, context.WorkQueue);
        var list = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "list", "--json", "--history");
        var states = JsonDocument.Parse(list.Stdout).RootElement.EnumerateArray()
            .Select(r => (r.GetProperty("messageId").GetString()!, r.GetProperty("state").GetString()!)).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(inWork, Is.EquivalentTo(ids), "every letter in the work queue, none twice (7 letters of 5 MiB: batches of 3, 3, 1)");
            Assert.That(states.Select(s => s.Item1), Is.EquivalentTo(ids), "each stored once");
            Assert.That(states.Select(s => s.Item2), Has.All.EqualTo("replayed"));
        });
    }

    private static async Task PublishBigAsync(WorkerTestContext context, IEnumerable<string> ids)
    {
        var connection = await context.ConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true));
        var at = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        foreach (var messageId in ids)
        {
            var body = JsonSerializer.SerializeToUtf8Bytes(new
            {
                messageId,
                from = new { address = "shop@example.com" },
                to = new[] { new { address = "user@example.org" } },
                subject = "big",
                text = new string('x', BodyBytes),
            });
            var properties = new BasicProperties
            {
                ContentType = "application/json",
                Persistent = true,
                Headers = new Dictionary<string, object?>
                {
                    ["email-failure-class"] = "invalid",
                    ["email-failure-reason"] = "too_large: 5 MiB over the limit",
                    ["email-attempt"] = 1,
                    ["email-first-failure-at"] = at,
                    ["email-last-failure-at"] = at,
                },
            };
            await channel.BasicPublishAsync(context.DeadQueue, "", mandatory: true, properties, body);
        }
    }

    private static async Task<List<string>> DrainIdsAsync(WorkerTestContext context, string queue)
    {
        var connection = await context.ConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var ids = new List<string>();
        while (await channel.BasicGetAsync(queue, autoAck: true) is { } result)
            ids.Add(JsonDocument.Parse(result.Body).RootElement.GetProperty("messageId").GetString()!);
        return ids;
    }
}
