using System.Collections.Concurrent;
using EmailWorker.IntegrationTests.Support;
using EmailWorker.SmtpSink;

namespace EmailWorker.IntegrationTests;

[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_delivery_fails_permanently
{
    [Test]
    public async Task Should_dead_letter_a_recipient_refused_at_rcpt_at_once()
    {
        await using var context = new WorkerTestContext(ingestDeadLetters: false);
        context.Smtp.Script.OnRcptTo = _ => new SmtpReply(550, "5.1.1 <nobody@example.org>: Recipient address rejected: User unknown");
        await using var worker = await context.StartConsumingAsync();
        await using var events = await EventCollector.StartAsync(context);

        await context.PublishJsonAsync([SampleMessages.Simple("unknown-user", "nobody@example.org")]);

        Assert.That(await events.WaitForAsync("unknown-user", "email.dead-lettered"), Is.True, worker.Output);
        var letter = (await DeadLetter.DrainAsync(context)).Single();
        Assert.Multiple(() =>
        {
            Assert.That(letter.Header("email-failure-class"), Is.EqualTo("permanent"));
            Assert.That(letter.Header("email-attempt"), Is.EqualTo("1"), "no retry");
            Assert.That(letter.Header("email-smtp-code"), Is.EqualTo("550"));
            Assert.That(letter.Header("email-smtp-enhanced-code"), Is.EqualTo("5.1.1"));
            Assert.That(letter.Header("email-failure-reason"), Does.Contain("User unknown"));
            Assert.That(events.Of("unknown-user", "email.deferred"), Is.Empty);
            Assert.That(context.Smtp.Commands.Count(c => c.Verb == "RCPT"), Is.EqualTo(1), "the recipient was tried once: no retry");
            // DATA may be pipelined behind the RCPT (RFC 2920); the relay refuses it, and no body ever goes.
            Assert.That(context.Smtp.BodiesRead, Is.Zero, "nothing sent");
        });
    }

    [Test]
    public async Task Should_dead_letter_a_message_refused_after_data_at_once()
    {
        await using var context = new WorkerTestContext(ingestDeadLetters: false);
        context.Smtp.Script.OnData = (_, _, _) => new SmtpReply(554, "5.7.1 Message rejected as spam");
        await using var worker = await context.StartConsumingAsync();
        await using var events = await EventCollector.StartAsync(context);

        await context.PublishJsonAsync([SampleMessages.Simple("spam", "victim@example.org")]);

        Assert.That(await events.WaitForAsync("spam", "email.dead-lettered"), Is.True, worker.Output);
        var letter = (await DeadLetter.DrainAsync(context)).Single();
        Assert.Multiple(() =>
        {
            Assert.That(letter.Header("email-failure-class"), Is.EqualTo("permanent"));
            Assert.That(letter.Header("email-attempt"), Is.EqualTo("1"));
            Assert.That(letter.Header("email-smtp-code"), Is.EqualTo("554"));
            Assert.That(letter.Header("email-failure-reason"), Does.Contain("rejected as spam"));
            Assert.That(events.Of("spam", "email.dead-lettered").Single().GetProperty("smtpCode").GetInt32(), Is.EqualTo(554));
        });
    }

    [Test]
    public async Task Should_send_once_to_each_accepted_recipient_and_retry_only_the_transient_one()
    {
        await using var context = new WorkerTestContext("1s,2s", ingestDeadLetters: false);
        var rcpt = new ConcurrentDictionary<string, int>();
        context.Smtp.Script.OnRcptTo = recipient => (recipient, rcpt.AddOrUpdate(recipient, 1, (_, n) => n + 1)) switch
        {
            ("gone@example.org", _) => new SmtpReply(550, "5.1.1 User unknown"),
            ("later@example.org", 1) => new SmtpReply(451, "4.3.0 Try again later"),
            _ => null,
        };
        await using var worker = await context.StartConsumingAsync();
        await using var events = await EventCollector.StartAsync(context);

        await context.PublishJsonAsync([new
        {
            messageId = "mixed",
            to = new[] { new { address = "ok@example.org" }, new { address = "gone@example.org" }, new { address = "later@example.org" } },
            subject = "s",
            text = "t",
        }]);

        Assert.That(await events.WaitForAsync("mixed", "email.delivered", count: 2), Is.True, worker.Output);
        var copies = context.Smtp.Messages.SelectMany(m => m.Recipients).GroupBy(r => r).ToDictionary(g => g.Key, g => g.Count());
        var letter = (await DeadLetter.DrainAsync(context)).Single();
        Assert.Multiple(() =>
        {
            Assert.That(copies, Is.EqualTo(new Dictionary<string, int> { ["ok@example.org"] = 1, ["later@example.org"] = 1 }));
            Assert.That(events.Of("mixed", "email.deferred").Single().GetProperty("recipients").EnumerateArray().Select(r => r.GetString()),
                Is.EqualTo(new[] { "later@example.org" }));
            Assert.That(letter.Header("email-failure-class"), Is.EqualTo("permanent"));
            Assert.That(letter.Header("email-remaining-recipients"), Is.EqualTo("""["gone@example.org"]"""), "the dead letter stands for the refused recipient alone");
            Assert.That(letter.Header("email-smtp-code"), Is.EqualTo("550"));
        });
        Assert.That(worker.Output, Does.Contain("Recipient gone@example.org of mixed refused for good"));
    }
}
