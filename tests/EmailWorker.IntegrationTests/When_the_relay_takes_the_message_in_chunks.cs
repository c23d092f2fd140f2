using System.Collections.Concurrent;
using EmailWorker.IntegrationTests.Support;
using EmailWorker.SmtpSink;

namespace EmailWorker.IntegrationTests;

/// <summary>
/// A relay that offers CHUNKING (as Postfix, Exchange Online and Gmail do) gets the body as <c>BDAT &lt;size&gt; LAST</c>
/// behind the envelope: every reply is still classified per recipient and per stage as with DATA, and a connection lost
/// after the body went out is "maybe delivered" as after the final dot.
/// </summary>
[TestFixture]
[Category("Fault")]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_the_relay_takes_the_message_in_chunks
{
    [Test]
    public async Task Should_send_once_to_each_accepted_recipient_and_dead_letter_the_refused_one()
    {
        await using var context = Chunking(new WorkerTestContext(ingestDeadLetters: false));
        context.Smtp.Script.OnRcptTo = recipient => recipient == "gone@example.org" ? new SmtpReply(550, "5.1.1 User unknown") : null;
        await using var worker = await context.StartConsumingAsync();
        await using var events = await EventCollector.StartAsync(context);

        await context.PublishJsonAsync([new
        {
            messageId = "chunked-mixed",
            to = new[] { new { address = "ok@example.org" }, new { address = "gone@example.org" }, new { address = "also@example.org" } },
            subject = "s",
            text = "t",
        }]);

        Assert.That(await events.WaitForAsync("chunked-mixed", "email.dead-lettered"), Is.True, worker.Output);
        Assert.That(await events.WaitForAsync("chunked-mixed", "email.delivered"), Is.True, worker.Output);
        var letter = (await DeadLetter.DrainAsync(context)).Single();
        Assert.Multiple(() =>
        {
            Assert.That(Copies.PerRecipient(context), Is.EqualTo(Copies.OnceEach([("chunked-mixed", "ok@example.org"), ("chunked-mixed", "also@example.org")])));
            Assert.That(context.Smtp.Commands.Select(c => c.Verb), Does.Contain("BDAT").And.No.Contain("DATA"), "the body went as a chunk");
            Assert.That(letter.Header("email-remaining-recipients"), Is.EqualTo("""["gone@example.org"]"""));
            Assert.That(letter.Header("email-smtp-code"), Is.EqualTo("550"));
        });
    }

    [Test]
    public async Task Should_send_no_body_when_every_recipient_of_the_flight_is_refused()
    {
        // MAIL, both RCPTs and BDAT LAST with the body go in one flight; the relay refuses both recipients and answers the
        // chunk with an error. Nothing is delivered, the refusals are classified per recipient, the next message goes.
        await using var context = Chunking(new WorkerTestContext(ingestDeadLetters: false));
        context.Smtp.Script.OnRcptTo = recipient => recipient.StartsWith("gone", StringComparison.Ordinal) ? new SmtpReply(550, "5.1.1 User unknown") : null;
        await using var worker = await context.StartConsumingAsync();
        await using var events = await EventCollector.StartAsync(context);

        await context.PublishJsonAsync([new
        {
            messageId = "chunked-nobody",
            to = new[] { new { address = "gone1@example.org" }, new { address = "gone2@example.org" } },
            subject = "s",
            text = "t",
        }]);
        Assert.That(await events.WaitForAsync("chunked-nobody", "email.dead-lettered"), Is.True, worker.Output);
        await context.PublishJsonAsync([SampleMessages.Simple("chunked-after", "ann@example.org")]);

        Assert.That(await events.WaitForAsync("chunked-after", "email.delivered"), Is.True, worker.Output);
        var letter = (await DeadLetter.DrainAsync(context)).Single();
        Assert.Multiple(() =>
        {
            Assert.That(Copies.PerRecipient(context), Is.EqualTo(Copies.OnceEach([("chunked-after", "ann@example.org")])));
            Assert.That(context.Smtp.BodiesRead, Is.EqualTo(1), "the refused message's chunk was no body the relay took");
            Assert.That(letter.Header("email-failure-class"), Is.EqualTo("permanent"));
            Assert.That(letter.Header("email-smtp-code"), Is.EqualTo("550"));
            Assert.That(letter.Header("email-attempt"), Is.EqualTo("1"));
        });
    }

    [Test]
    public async Task Should_dead_letter_a_message_whose_chunk_is_refused_for_good()
    {
        await using var context = Chunking(new WorkerTestContext(ingestDeadLetters: false));
        context.Smtp.Script.OnData = (_, _, _) => new SmtpReply(554, "5.7.1 Message rejected as spam");
        await using var worker = await context.StartConsumingAsync();
        await using var events = await EventCollector.StartAsync(context);

        await context.PublishJsonAsync([SampleMessages.Simple("chunked-spam", "victim@example.org")]);

        Assert.That(await events.WaitForAsync("chunked-spam", "email.dead-lettered"), Is.True, worker.Output);
        var letter = (await DeadLetter.DrainAsync(context)).Single();
        Assert.Multiple(() =>
        {
            Assert.That(letter.Header("email-failure-class"), Is.EqualTo("permanent"));
            Assert.That(letter.Header("email-attempt"), Is.EqualTo("1"));
            Assert.That(letter.Header("email-smtp-code"), Is.EqualTo("554"));
            Assert.That(context.Smtp.Messages, Is.Empty);
        });
    }

    [Test]
    public async Task Should_retry_a_chunk_refused_for_now_and_deliver_it_once()
    {
        await using var context = Chunking(new WorkerTestContext("1s", ingestDeadLetters: false));
        var attempts = new ConcurrentDictionary<string, int>();
        context.Smtp.Script.OnData = (_, recipients, _) =>
            attempts.AddOrUpdate(recipients[0], 1, (_, n) => n + 1) == 1 ? new SmtpReply(451, "4.3.0 Try again later") : null;
        await using var worker = await context.StartConsumingAsync();
        await using var events = await EventCollector.StartAsync(context);

        await context.PublishJsonAsync([SampleMessages.Simple("chunked-later", "ann@example.org")]);

        Assert.That(await events.WaitForAsync("chunked-later", "email.delivered"), Is.True, worker.Output);
        Assert.Multiple(() =>
        {
            Assert.That(Copies.PerRecipient(context), Is.EqualTo(Copies.OnceEach([("chunked-later", "ann@example.org")])));
            Assert.That(events.Of("chunked-later", "email.deferred").Single().GetProperty("message").GetString(), Does.Not.Contain("maybe delivered"),
                "a 451 is an answer: the relay said it did not take the mail");
        });
    }

    [Test]
    public async Task Should_mark_a_drop_after_the_chunk_and_send_the_same_message_id_again()
    {
        await using var context = Chunking(new WorkerTestContext());
        var chunks = 0;
        context.Smtp.Script.OnData = (_, _, _) => Interlocked.Increment(ref chunks) == 1 ? SmtpReply.KeepAndDisconnect : null;
        await using var worker = await context.StartConsumingAsync();
        await using var events = await EventCollector.StartAsync(context);

        await context.PublishJsonAsync([SampleMessages.Simple("chunked-drop", "ann@example.org")]);

        Assert.That(await events.WaitForAsync("chunked-drop", "email.delivered"), Is.True, worker.Output);
        Assert.Multiple(() =>
        {
            Assert.That(Copies.PerRecipient(context), Is.EqualTo(new Dictionary<(string, string), int> { [("chunked-drop", "ann@example.org")] = 2 }));
            Assert.That(events.Of("chunked-drop", "email.deferred").Single().GetProperty("message").GetString(), Does.EndWith("(maybe delivered)"));
        });
    }

    private static WorkerTestContext Chunking(WorkerTestContext context)
    {
        context.Smtp.Chunking = true;
        return context;
    }
}
