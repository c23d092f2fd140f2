using System.Collections.Concurrent;
using EmailWorker.IntegrationTests.Support;
using EmailWorker.SmtpSink;

namespace EmailWorker.IntegrationTests;

[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_an_attempt_hangs_or_crashes_the_worker
{
    [Test]
    public async Task Should_give_up_on_a_slow_relay_at_the_attempt_deadline_and_retry()
    {
        await using var context = new WorkerTestContext("1s,2s", ingestDeadLetters: false);
        var attempts = new ConcurrentDictionary<string, int>();
        context.Smtp.Script.DataReplyDelay = recipients =>
            attempts.AddOrUpdate(recipients[0], 1, (_, n) => n + 1) == 1 ? TimeSpan.FromSeconds(6) : TimeSpan.Zero;
        // The slow first attempt must not count as received even if the server gets to reply after the client left.
        context.Smtp.Script.OnData = (_, recipients, _) => attempts[recipients[0]] == 1 ? SmtpReply.Disconnect : null;
        await using var worker = context.StartWorker(new Dictionary<string, string> { ["EMAILWORKER__SMTP__ATTEMPTDEADLINE"] = "2s" });
        Assert.That(await worker.WaitForOutputAsync("Worker consuming", TimeSpan.FromSeconds(30)), Is.True, worker.Output);
        await using var events = await EventCollector.StartAsync(context);

        await context.PublishJsonAsync([SampleMessages.Simple("slow-relay", "slow@example.org")]);

        Assert.That(await events.WaitForAsync("slow-relay", "email.delivered"), Is.True, worker.Output);
        Assert.Multiple(() =>
        {
            Assert.That(events.Of("slow-relay", "email.deferred").Single().GetProperty("message").GetString(), Does.Contain("did not finish within 2 s"));
            Assert.That(events.Of("slow-relay", "email.delivered").Single().GetProperty("attempt").GetInt32(), Is.EqualTo(2));
        });
    }

    [Test]
    public async Task Should_let_the_broker_dead_letter_a_message_that_keeps_killing_workers()
    {
        await using var context = new WorkerTestContext(ingestDeadLetters: false);
        var atData = new ConcurrentQueue<DateTime>();
        context.Smtp.Script.DataReplyDelay = _ =>
        {
            atData.Enqueue(DateTime.UtcNow);
            return TimeSpan.FromSeconds(30);
        };
        context.Smtp.Script.OnData = (_, _, _) => SmtpReply.Disconnect;
        var environment = new Dictionary<string, string> { ["EMAILWORKER__TOPOLOGY__DELIVERYLIMIT"] = "2" };
        await context.DeclareWorkQueueAsync(deliveryLimit: 2);
        await context.PublishJsonAsync([SampleMessages.Simple("poison", "poison@example.org")]);

        var crashes = 0;
        for (var crash = 1; crash <= 6 && await context.MessageCountAsync(context.DeadQueue) == 0; crash++)
        {
            var seen = atData.Count;
            await using var worker = context.StartWorker(environment);
            var reachedData = await WorkerTestContext.EventuallyAsync(() => Task.FromResult(atData.Count > seen), TimeSpan.FromSeconds(20));
            // Every worker that takes the message dies while sending it, as a crashing bug would make it.
            worker.KillHard();
            await worker.WaitForExitAsync(TimeSpan.FromSeconds(10));
            if (!reachedData)
                break;
            crashes++;
        }

        Assert.That(await WorkerTestContext.EventuallyAsync(async () => await context.MessageCountAsync(context.DeadQueue) == 1, TimeSpan.FromSeconds(20)), Is.True,
            "the broker's delivery limit should move the message to the dead-letter queue");
        var letter = (await DeadLetter.DrainAsync(context)).Single();
        Assert.Multiple(() =>
        {
            Assert.That(letter.MessageId, Is.EqualTo("poison"));
            Assert.That(letter.Header("x-first-death-reason"), Is.EqualTo("delivery_limit"), "the reason is the broker's");
            Assert.That(letter.Header("x-first-death-queue"), Is.EqualTo(context.WorkQueue));
            // Each worker that took it reached DATA once and died there: the limit (2) allows three deliveries, the third
            // return dead-letters it, and no worker took it after that.
            Assert.That((crashes, atData.Count), Is.EqualTo((3, 3)), "deliveries of the message, each ending in a crash at DATA");
        });
    }
}
