using System.Text.Json;
using EmailWorker.SmtpSink;

namespace EmailWorker.IntegrationTests.Support;

/// <summary>
/// Dead letters made the way production makes them: a real worker dead-letters the messages because the relay refuses
/// their recipients permanently (550 5.1.1). Tests of the operator commands then work on letters the worker wrote, not on
/// hand-made headers. Done when the letters are where the test reads them — every one in the dead-letter queue, or with
/// the worker ingesting, every one in the store — as read from the queues and the store, not from the worker's log.
/// </summary>
public static class WorkerDeadLetters
{
    public static async Task MakeAsync(WorkerTestContext context, IEnumerable<object> messages)
    {
        var list = messages.ToList();
        var ids = list.Select(m => JsonSerializer.SerializeToElement(m).GetProperty("messageId").GetString()!).ToList();
        var normal = context.Smtp.Script.OnRcptTo;
        context.Smtp.Script.OnRcptTo = _ => new SmtpReply(550, "5.1.1 scripted: no such user");
        try
        {
            await using var worker = context.StartWorker();
            Assert.That(await worker.WaitForOutputAsync("Worker consuming", TimeSpan.FromSeconds(30)), Is.True, worker.Output);
            await context.PublishJsonAsync(list);
            // A message leaves the work queue (ready and unacked 0) only after its letter's publish was confirmed.
            Assert.That(await WorkerTestContext.EventuallyAsync(async () => await context.IsEmptyAsync(context.WorkQueue), TimeSpan.FromSeconds(60)),
                Is.True, $"the work queue emptied: {await context.QueueCountsAsync(context.WorkQueue)}\n{worker.Output}");
            if (context.IngestDeadLetters)
            {
                // The ingester acks a letter after its commit. The management API's unacked count trails the broker (more
                // so on a loaded machine), so email.dead can look empty while the ingester still holds the letters: wait
                // for the store to list every letter, then for the queue to be empty, then hold the store to exactly these.
                await WorkerTestContext.EventuallyAsync(async () =>
                {
                    var listed = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "list", "--json");
                    return listed.ExitCode == 0 && MessageIds(listed.Stdout).Count >= ids.Count;
                }, TimeSpan.FromSeconds(60));
                Assert.That(await context.BecomesEmptyAsync(context.DeadQueue, TimeSpan.FromSeconds(60)), Is.True,
                    $"email.dead emptied into the store: {await context.QueueCountsAsync(context.DeadQueue)}\n{worker.Output}");
                var stored = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "list", "--json");
                Assert.That(stored.ExitCode, Is.Zero, stored.Stderr);
                Assert.That(MessageIds(stored.Stdout), Is.EquivalentTo(ids), "the store holds one letter for each message");
            }
            else
            {
                Assert.That(await WorkerTestContext.EventuallyAsync(async () => await context.QueueCountsAsync(context.DeadQueue) is { Unacked: 0 } c && c.Ready == list.Count,
                    TimeSpan.FromSeconds(60)), Is.True, $"email.dead holds {await context.QueueCountsAsync(context.DeadQueue)} of {list.Count}\n{worker.Output}");
            }
        }
        finally
        {
            context.Smtp.Script.OnRcptTo = normal;
        }
    }

    private static List<string?> MessageIds(string listJson) =>
        [.. JsonDocument.Parse(listJson).RootElement.EnumerateArray().Select(r => r.GetProperty("messageId").GetString())];
}
