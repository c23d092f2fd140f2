using System.Text.RegularExpressions;
using EmailWorker.SmtpSink;

namespace EmailWorker.IntegrationTests.Support;

/// <summary>
/// Dead letters made the way production makes them: a real worker dead-letters the messages because the relay refuses
/// their recipients permanently (550 5.1.1). Tests of the operator commands then work on letters the worker wrote, not on
/// hand-made headers.
/// </summary>
public static partial class WorkerDeadLetters
{
    public static async Task MakeAsync(WorkerTestContext context, IEnumerable<object> messages)
    {
        var list = messages.ToList();
        var normal = context.Smtp.Script.OnRcptTo;
        context.Smtp.Script.OnRcptTo = _ => new SmtpReply(550, "5.1.1 scripted: no such user");
        try
        {
            await using var worker = context.StartWorker();
            Assert.That(await worker.WaitForOutputAsync("Worker consuming", TimeSpan.FromSeconds(30)), Is.True, worker.Output);
            await context.PublishJsonAsync(list);
            if (context.IngestDeadLetters)
            {
                // The worker dead-letters each one and its ingester moves it into the store, acking after the commit: once
                // email.dead holds nothing ready or unacked, every letter is in the store.
                Assert.That(await WorkerTestContext.EventuallyAsync(() => Task.FromResult(DeadLettered().Count(worker.Output) == list.Count), TimeSpan.FromSeconds(60)),
                    Is.True, $"the worker dead-lettered {DeadLettered().Count(worker.Output)} of {list.Count}\n{worker.Output}");
                Assert.That(await context.BecomesEmptyAsync(context.DeadQueue), Is.True, worker.Output);
            }
            else
            {
                Assert.That(await WorkerTestContext.EventuallyAsync(async () => await context.MessageCountAsync(context.DeadQueue) == list.Count, TimeSpan.FromSeconds(60)),
                    Is.True, $"the worker dead-lettered {await context.MessageCountAsync(context.DeadQueue)} of {list.Count}\n{worker.Output}");
            }
            Assert.That(await context.BecomesEmptyAsync(context.WorkQueue), Is.True, worker.Output);
        }
        finally
        {
            context.Smtp.Script.OnRcptTo = normal;
        }
    }

    [GeneratedRegex(@"\bDead-lettered \S+ as ")]
    private static partial Regex DeadLettered();
}
