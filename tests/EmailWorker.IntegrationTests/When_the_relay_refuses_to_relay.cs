using EmailWorker.IntegrationTests.Support;
using EmailWorker.SmtpSink;

namespace EmailWorker.IntegrationTests;

/// <summary>Faults every message would meet open the breaker instead of dead-lettering the queue, and nothing is lost.</summary>
[TestFixture]
[Category("Fault")]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_the_relay_refuses_to_relay
{
    [Test]
    public async Task Should_open_the_breaker_and_deliver_everything_once_the_relay_is_fixed()
    {
        await using var context = new WorkerTestContext(ingestDeadLetters: false);
        var misconfigured = true;
        context.Smtp.Script.OnRcptTo = recipient => Volatile.Read(ref misconfigured) ? new SmtpReply(554, $"5.7.1 <{recipient}>: Relay access denied") : null;
        await using var worker = await context.StartConsumingAsync();
        var expected = Enumerable.Range(0, 20).Select(i => ($"relay-{i}", $"r{i}@example.org")).ToList();

        await context.PublishJsonAsync(expected.Select(e => SampleMessages.Simple(e.Item1, e.Item2)));
        Assert.That(await worker.WaitForOutputAsync("SMTP relay unusable", TimeSpan.FromSeconds(30)), Is.True, worker.Output);
        Volatile.Write(ref misconfigured, false);

        Assert.That(await context.Smtp.WaitForMessagesAsync(20, TimeSpan.FromSeconds(90)), Is.True, worker.Output);
        Assert.That(await context.BecomesEmptyAsync(context.WorkQueue, TimeSpan.FromSeconds(30)), Is.True, "ready and unacked both 0");
        Assert.Multiple(async () =>
        {
            Assert.That(Copies.PerRecipient(context), Is.EqualTo(Copies.OnceEach(expected)));
            Assert.That(await DeadLetter.DrainAsync(context), Is.Empty, "relaying denied is not the messages' fault");
            Assert.That(worker.Output, Does.Contain("Returned relay-"));
        });
    }

    [Test]
    public async Task Should_dead_letter_as_system_after_the_maximum_returns()
    {
        // A relay that denies relaying for good: each attempt returns the message (the probe, which never reaches RCPT,
        // passes), and after Retry:MaxSystemReturns (2 here) returns it is dead-lettered as system instead of circling.
        await using var context = new WorkerTestContext(ingestDeadLetters: false);
        var ledger = new Reconciliation("relaying denied for good, Retry:MaxSystemReturns=2");
        context.Smtp.Script.OnRcptTo = recipient => new SmtpReply(554, $"5.7.1 <{recipient}>: Relay access denied");
        await using var worker = await context.StartConsumingAsync(new Dictionary<string, string> { ["EMAILWORKER__RETRY__MAXSYSTEMRETURNS"] = "2" });

        await context.PublishJsonAsync([ledger.Add("denied", "denied@example.org")]);
        Assert.That(await WorkerTestContext.EventuallyAsync(async () => await context.QueueCountsAsync(context.DeadQueue) is { Ready: 1 }, TimeSpan.FromSeconds(90)),
            Is.True, worker.Output);
        var figures = await ledger.AssertAsync(context);
        var letter = ledger.DeadLetters.Single();
        Assert.Multiple(() =>
        {
            Assert.That(figures.DeadLettered, Is.EqualTo(1));
            Assert.That(letter.Header("email-failure-class"), Is.EqualTo("system"));
            Assert.That(letter.Header("email-system-returns"), Is.EqualTo("2"), "returned twice, dead-lettered at the third denial");
            Assert.That(context.Smtp.Commands.Count(c => c.Verb == "RCPT"), Is.EqualTo(3), "the recipient was tried once per return and once more");
            // DATA may be pipelined behind the RCPT (RFC 2920); the relay refuses it, and no body ever goes.
            Assert.That(context.Smtp.BodiesRead, Is.Zero, "no body was sent");
        });
    }

    [Test]
    public async Task Should_retry_a_sequence_error_and_deliver()
    {
        await using var context = new WorkerTestContext(ingestDeadLetters: false);
        var replies = 0;
        context.Smtp.Script.OnData = (_, _, _) => Interlocked.Increment(ref replies) == 1 ? new SmtpReply(503, "5.5.1 Error: need RCPT command") : null;
        await using var worker = await context.StartConsumingAsync();
        await using var events = await EventCollector.StartAsync(context);

        await context.PublishJsonAsync([SampleMessages.Simple("out-of-step")]);

        Assert.That(await events.WaitForAsync("out-of-step", "email.delivered"), Is.True, worker.Output);
        Assert.Multiple(async () =>
        {
            Assert.That(Copies.PerRecipient(context), Is.EqualTo(Copies.OnceEach([("out-of-step", "ann@example.org")])));
            Assert.That(events.Of("out-of-step", "email.deferred").Single().GetProperty("smtpCode").GetInt32(), Is.EqualTo(503));
            Assert.That(await DeadLetter.DrainAsync(context), Is.Empty);
        });
    }
}
