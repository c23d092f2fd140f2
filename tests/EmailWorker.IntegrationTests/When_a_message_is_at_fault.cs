using EmailWorker.IntegrationTests.Support;
using EmailWorker.SmtpSink;

namespace EmailWorker.IntegrationTests;

/// <summary>A fault that is the message's own never trips the relay breaker and never holds up the others.</summary>
[TestFixture]
[Category("Fault")]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_a_message_is_at_fault
{
    [Test]
    public async Task Should_dead_letter_a_refused_sender_and_deliver_the_others_once()
    {
        await using var context = new WorkerTestContext(ingestDeadLetters: false);
        context.Smtp.Script.OnMailFrom = sender => sender == "blocked@example.com"
            ? new SmtpReply(553, "5.7.1 <blocked@example.com>: Sender address rejected: not owned by user")
            : null;
        await using var worker = await context.StartConsumingAsync();
        await using var events = await EventCollector.StartAsync(context);
        var normal = Enumerable.Range(0, 300).Select(i => SampleMessages.Simple($"normal-{i}", $"r{i}@example.org")).ToList();

        await context.PublishJsonAsync(normal.Take(150));
        await context.PublishJsonAsync([new { messageId = "refused-sender", from = new { address = "blocked@example.com" }, to = new[] { new { address = "ann@example.org" } }, subject = "s", text = "t" }]);
        await context.PublishJsonAsync(normal.Skip(150));

        Assert.That(await context.Smtp.WaitForMessagesAsync(300, TimeSpan.FromSeconds(90)), Is.True, worker.Output);
        Assert.That(await events.WaitForAsync("refused-sender", "email.dead-lettered"), Is.True, worker.Output);
        var letter = (await DeadLetter.DrainAsync(context)).Single();
        Assert.Multiple(() =>
        {
            Assert.That(Copies.PerRecipient(context), Is.EqualTo(Copies.OnceEach(Enumerable.Range(0, 300).Select(i => ($"normal-{i}", $"r{i}@example.org")))));
            Assert.That(letter.MessageId, Is.EqualTo("refused-sender"));
            Assert.That(letter.Header("email-failure-class"), Is.EqualTo("permanent"));
            Assert.That(letter.Header("email-smtp-code"), Is.EqualTo("553"));
            Assert.That(worker.Output, Does.Not.Contain("SMTP relay unusable"), "a refused sender is the message's fault, not the relay's");
        });
    }

    [Test]
    public async Task Should_dead_letter_a_body_far_over_the_size_cap_and_deliver_the_others()
    {
        await using var context = new WorkerTestContext(ingestDeadLetters: false);
        await using var worker = await context.StartConsumingAsync();
        await using var events = await EventCollector.StartAsync(context);
        // 70 MiB: under a stock broker's 128 MiB cap, over the client's old 64 MiB frame limit and far over MaxMessageBytes.
        var huge = WorkerTestContext.Utf8($$"""{"messageId":"huge","to":[{"address":"ann@example.org"}],"text":"{{new string('x', 70 * 1024 * 1024)}}"}""");

        await context.PublishRawAsync(huge);
        huge = [];
        await context.PublishJsonAsync(Enumerable.Range(0, 100).Select(i => SampleMessages.Simple($"small-{i}", $"s{i}@example.org")));

        Assert.That(await context.Smtp.WaitForMessagesAsync(100, TimeSpan.FromSeconds(90)), Is.True, worker.Output);
        // Too large to be read at all, so the worker knows it by no messageId: the dead-letter queue says it arrived.
        Assert.That(await WorkerTestContext.EventuallyAsync(async () => await context.MessageCountAsync(context.DeadQueue) == 1, TimeSpan.FromSeconds(60)), Is.True, worker.Output);
        var letter = (await DeadLetter.DrainAsync(context)).Single();
        Assert.Multiple(() =>
        {
            Assert.That(Copies.PerRecipient(context), Is.EqualTo(Copies.OnceEach(Enumerable.Range(0, 100).Select(i => ($"small-{i}", $"s{i}@example.org")))));
            Assert.That(events.Events.Count(e => e.RoutingKey == "email.rejected"), Is.EqualTo(1));
            Assert.That(letter.Header("email-failure-reason"), Does.StartWith("too_large"));
            Assert.That(letter.Body, Has.Length.GreaterThan(70 * 1024 * 1024), "the dead letter keeps the body");
        });
    }

    [TestCase("""{"messageId":"null-header","to":[{"address":"ann@example.org"}],"text":"t","headers":{"X-A":null}}""", "null-header", "invalid_header_value")]
    [TestCase("""{"messageId":"null-content","to":[{"address":"ann@example.org"}],"text":"t","attachments":[{"fileName":"a.txt","contentType":"text/plain","contentBase64":null}]}""", "null-content", "invalid_attachment")]
    public async Task Should_dead_letter_a_body_that_cannot_become_mime_at_once(string body, string messageId, string code)
    {
        await using var context = new WorkerTestContext(ingestDeadLetters: false);
        await using var worker = await context.StartConsumingAsync();
        await using var events = await EventCollector.StartAsync(context);

        await context.PublishRawAsync(WorkerTestContext.Utf8(body));
        await context.PublishJsonAsync([SampleMessages.Simple("after-it")]);

        Assert.That(await events.WaitForAsync(messageId, "email.rejected"), Is.True, worker.Output);
        Assert.That(await events.WaitForAsync("after-it", "email.delivered"), Is.True, worker.Output);
        var letter = (await DeadLetter.DrainAsync(context)).Single();
        Assert.Multiple(() =>
        {
            Assert.That(letter.Header("email-failure-class"), Is.EqualTo("invalid"));
            Assert.That(letter.Header("email-failure-reason"), Does.StartWith(code));
            Assert.That(letter.Header("email-attempt"), Is.EqualTo("0"), "never tried");
            Assert.That(events.Of(messageId, "email.rejected").Single().GetProperty("errors")[0].GetProperty("code").GetString(), Is.EqualTo(code));
            Assert.That(worker.Output, Does.Not.Contain("failed unexpectedly"));
        });
    }
}
