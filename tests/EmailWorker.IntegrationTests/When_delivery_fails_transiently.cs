using System.Collections.Concurrent;
using EmailWorker.IntegrationTests.Support;
using EmailWorker.SmtpSink;

namespace EmailWorker.IntegrationTests;

[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_delivery_fails_transiently
{
    private static readonly SmtpReply TryLater = new(451, "4.3.0 Temporary failure, try later");

    [Test]
    public async Task Should_deliver_after_two_retries_through_the_first_two_tiers()
    {
        await using var context = new WorkerTestContext("1s,2s,3s", ingestDeadLetters: false);
        var attempts = new ConcurrentDictionary<string, int>();
        var dataAt = new ConcurrentQueue<DateTimeOffset>();
        context.Smtp.Script.OnData = (_, recipients, _) =>
        {
            dataAt.Enqueue(DateTimeOffset.UtcNow);
            return attempts.AddOrUpdate(recipients[0], 1, (_, n) => n + 1) <= 2 ? TryLater : null;
        };
        await using var worker = await context.StartConsumingAsync();
        await using var events = await EventCollector.StartAsync(context);

        await context.PublishJsonAsync([SampleMessages.Simple("retry-twice", "twice@example.org")]);

        Assert.That(await events.WaitForAsync("retry-twice", "email.delivered"), Is.True, worker.Output);
        var deferred = events.Of("retry-twice", "email.deferred");
        var delivered = events.Of("retry-twice", "email.delivered").Single();
        Assert.Multiple(() =>
        {
            Assert.That(attempts["twice@example.org"], Is.EqualTo(3));
            Assert.That(context.Smtp.Messages, Has.Count.EqualTo(1));
            Assert.That(delivered.GetProperty("attempt").GetInt32(), Is.EqualTo(3));
            Assert.That(deferred.Select(e => e.GetProperty("attempt").GetInt32()), Is.EqualTo(new[] { 1, 2 }));
            Assert.That(deferred.Select(e => e.GetProperty("smtpCode").GetInt32()), Is.All.EqualTo(451));
            // The tiers' delays measured at the server, between the attempts' final dots: at least 1 s, then at least 2 s
            // (lower bounds only; how much later a retry comes depends on the machine).
            var received = dataAt.ToArray();
            Assert.That(received, Has.Length.EqualTo(3));
            Assert.That(received[1] - received[0], Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(1)), "the first tier is the 1 s one");
            Assert.That(received[2] - received[1], Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(2)), "the second tier is the 2 s one");
        });
    }

    [Test]
    public async Task Should_send_greylisted_mail_through_a_tier_at_least_the_greylist_minimum()
    {
        await using var context = new WorkerTestContext("1s,2s,3s", ingestDeadLetters: false);
        var attempts = new ConcurrentDictionary<string, int>();
        // The delay is measured at the server, between the receipt of the two RCPT commands: the worker's own account of
        // it (its event's nextAttemptAt) is not evidence, and rounding it made the test flaky.
        var rcptAt = new ConcurrentQueue<DateTimeOffset>();
        context.Smtp.Script.OnRcptTo = recipient =>
        {
            rcptAt.Enqueue(DateTimeOffset.UtcNow);
            return attempts.AddOrUpdate(recipient, 1, (_, n) => n + 1) == 1 ? new SmtpReply(450, "4.7.1 Greylisted, please try again later") : null;
        };
        await using var worker = await context.StartConsumingAsync();
        await using var events = await EventCollector.StartAsync(context);

        await context.PublishJsonAsync([SampleMessages.Simple("greylisted", "grey@example.org")]);

        Assert.That(await events.WaitForAsync("greylisted", "email.delivered"), Is.True, worker.Output);
        var deferred = events.Of("greylisted", "email.deferred").Single();
        var received = rcptAt.ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(received, Has.Length.EqualTo(2), "one greylisted attempt, one delivered");
            // A lower bound only: GreylistMinimum is 2s in the tests, so the 1s tier is skipped and the retry cannot come
            // sooner; how much later it comes depends on the machine and is not asserted.
            Assert.That(received[1] - received[0], Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(2)), "gap between the attempts at the server");
            Assert.That(deferred.GetProperty("enhancedCode").GetString(), Is.EqualTo("4.7.1"));
            Assert.That(events.Of("greylisted", "email.delivered").Single().GetProperty("attempt").GetInt32(), Is.EqualTo(2));
        });
    }

    [Test]
    public async Task Should_dead_letter_after_the_last_tier_with_the_whole_history()
    {
        await using var context = new WorkerTestContext("1s,2s", ingestDeadLetters: false);
        context.Smtp.Script.OnData = (_, _, _) => TryLater;
        await using var worker = await context.StartConsumingAsync();
        await using var events = await EventCollector.StartAsync(context);
        var body = WorkerTestContext.Utf8("""{"messageId":"always-451","to":[{"address":"never@example.org"}],"subject":"s","text":"t","tags":{"tenant":"acme"}}""");

        await context.PublishRawAsync(body);

        Assert.That(await events.WaitForAsync("always-451", "email.dead-lettered"), Is.True, worker.Output);
        var letter = (await DeadLetter.DrainAsync(context)).Single();
        var history = letter.History.EnumerateArray().ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(letter.Body, Is.EqualTo(body), "the body is kept byte for byte");
            Assert.That(letter.Header("email-failure-class"), Is.EqualTo("transient"));
            Assert.That(letter.Header("email-attempt"), Is.EqualTo("3"), "1 + number of tiers");
            Assert.That(letter.Header("email-smtp-code"), Is.EqualTo("451"));
            Assert.That(letter.Header("email-smtp-enhanced-code"), Is.EqualTo("4.3.0"));
            Assert.That(letter.Header("email-failure-reason"), Does.Contain("Temporary failure").And.Contain("last retry tier"));
            Assert.That(letter.Header("email-first-failure-at"), Is.Not.Null);
            Assert.That(letter.Header("email-last-failure-at"), Is.Not.Null);
            Assert.That(letter.Headers.Keys, Has.None.StartsWith("x-death").And.None.StartsWith("x-first-death"));
            Assert.That(history.Select(h => h.GetProperty("attempt").GetInt32()), Is.EqualTo(new[] { 1, 2, 3 }));
            Assert.That(history.Select(h => h.GetProperty("outcome").GetString()), Is.EqualTo(new[] { "deferred", "deferred", "dead-lettered" }));
            Assert.That(history.Select(h => h.GetProperty("smtpCode").GetInt32()), Is.All.EqualTo(451));
            Assert.That(history.Select(h => h.GetProperty("worker").GetString()), Is.All.Not.Empty);
            Assert.That(events.Of("always-451", "email.dead-lettered").Single().GetProperty("tags").GetProperty("tenant").GetString(), Is.EqualTo("acme"));
        });
        Assert.That(worker.Output, Does.Contain("Dead-lettered always-451 as transient"));
    }

    [Test]
    public async Task Should_retry_a_message_whose_headers_carry_a_stale_x_death_naming_the_work_queue()
    {
        await using var context = new WorkerTestContext("1s,2s", ingestDeadLetters: false);
        var attempts = new ConcurrentDictionary<string, int>();
        context.Smtp.Script.OnData = (_, recipients, _) => attempts.AddOrUpdate(recipients[0], 1, (_, n) => n + 1) == 1 ? TryLater : null;
        await using var worker = await context.StartConsumingAsync();
        var staleDeath = new Dictionary<string, object?>
        {
            ["queue"] = context.WorkQueue,
            ["reason"] = "expired",
            ["count"] = 1L,
            ["exchange"] = $"{context.Prefix}.retry",
            ["routing-keys"] = new List<object?> { $"{context.Prefix}.retry.1s" },
        };
        var headers = new Dictionary<string, object?>
        {
            ["x-death"] = new List<object?> { staleDeath },
            ["x-first-death-queue"] = context.WorkQueue,
            ["x-first-death-reason"] = "expired",
            ["x-first-death-exchange"] = $"{context.Prefix}.retry",
        };

        await context.PublishRawAsync(WorkerTestContext.Utf8("""{"messageId":"stale-death","to":[{"address":"stale@example.org"}],"text":"t"}"""), headers);

        Assert.That(await context.Smtp.WaitForMessagesAsync(1, TimeSpan.FromSeconds(60)), Is.True,
            "the retry must come back from its tier instead of being dropped by the broker's cycle detection\n" + worker.Output);
        Assert.That(attempts["stale@example.org"], Is.EqualTo(2));
    }

    [Test]
    [Category("Fault")]
    public async Task Should_say_not_ready_naming_the_tier_while_moves_to_it_fail_and_ready_once_it_is_back()
    {
        await using var context = new WorkerTestContext("1s,2s", ingestDeadLetters: false);
        context.Smtp.Script.OnData = (_, _, _) => TryLater;
        using var listener = new WorkerListener();
        await using var worker = await context.StartConsumingAsync(listener.Environment());
        var tier = $"{context.Prefix}.retry.1s";
        var connection = await context.ConnectionAsync();
        await using (var channel = await connection.CreateChannelAsync())
            await channel.QueueUnbindAsync(tier, $"{context.Prefix}.retry", tier);

        await context.PublishJsonAsync([SampleMessages.Simple("held-retry", "held@example.org")]);
        Assert.That(await worker.WaitForOutputAsync("Could not move held-retry to the retry queue", TimeSpan.FromSeconds(30)), Is.True, worker.Output);
        // The message holds a consumer slot while its move is tried again: with every slot held the worker stalls.
        var whileFailing = await listener.GetAsync("/healthz/ready");
        await using (var channel = await connection.CreateChannelAsync())
            await channel.QueueBindAsync(tier, $"{context.Prefix}.retry", tier);
        var healthyAgain = await WorkerTestContext.EventuallyAsync(async () => (await listener.GetAsync("/healthz/ready")).Body.StartsWith("Healthy", StringComparison.Ordinal),
            TimeSpan.FromSeconds(45));

        Assert.Multiple(() =>
        {
            Assert.That(whileFailing.Status, Is.EqualTo(System.Net.HttpStatusCode.ServiceUnavailable), whileFailing.Body);
            Assert.That(whileFailing.Body, Does.StartWith("Unhealthy").And.Contain($"queue {tier} fails"));
            Assert.That(healthyAgain, Is.True, $"ready again once the move went through\n{worker.Output}");
        });
    }

    [Test]
    [Category("Fault")]
    public async Task Should_keep_the_message_when_its_tier_cannot_be_reached()
    {
        await using var context = new WorkerTestContext("1s,2s", ingestDeadLetters: false);
        var accept = false;
        context.Smtp.Script.OnData = (_, _, _) => Volatile.Read(ref accept) ? null : TryLater;
        await using var worker = await context.StartConsumingAsync();
        var connection = await context.ConnectionAsync();
        await using (var channel = await connection.CreateChannelAsync())
            await channel.QueueUnbindAsync($"{context.Prefix}.retry.1s", $"{context.Prefix}.retry", $"{context.Prefix}.retry.1s");

        await context.PublishJsonAsync([SampleMessages.Simple("unroutable-retry", "unroutable@example.org")]);

        Assert.That(await worker.WaitForOutputAsync("Could not move unroutable-retry to the retry queue", TimeSpan.FromSeconds(30)), Is.True, worker.Output);
        // Stopping the worker settles whatever it holds: the message must then be back in the work queue, nowhere else.
        await worker.TerminateAsync();
        Assert.That(await worker.WaitForExitAsync(TimeSpan.FromSeconds(40)), Is.Zero, worker.Output);
        Assert.Multiple(async () =>
        {
            Assert.That(await WorkerTestContext.EventuallyAsync(async () => await context.QueueCountsAsync(context.WorkQueue) == new QueueCounts(1, 0), TimeSpan.FromSeconds(15)),
                Is.True, $"the message stays in the work queue: {await context.QueueCountsAsync(context.WorkQueue)}");
            Assert.That(await context.BecomesEmptyAsync($"{context.Prefix}.retry.1s"), Is.True);
            Assert.That(await context.BecomesEmptyAsync(context.DeadQueue), Is.True);
            Assert.That(context.Smtp.Messages, Is.Empty);
        });

        await using (var channel = await connection.CreateChannelAsync())
            await channel.QueueBindAsync($"{context.Prefix}.retry.1s", $"{context.Prefix}.retry", $"{context.Prefix}.retry.1s");
        Volatile.Write(ref accept, true);
        await using var restarted = await context.StartConsumingAsync();
        Assert.That(await context.Smtp.WaitForMessagesAsync(1, TimeSpan.FromSeconds(60)), Is.True, "delivered once the tier is back\n" + restarted.Output);
    }


    private static async Task<WorkerProcess> StartAsync(WorkerTestContext context, IReadOnlyDictionary<string, string>? overrides = null)
    {
        var worker = context.StartWorker(overrides);
        Assert.That(await worker.WaitForOutputAsync("Worker consuming", TimeSpan.FromSeconds(30)), Is.True, worker.Output);
        return worker;
    }
}
