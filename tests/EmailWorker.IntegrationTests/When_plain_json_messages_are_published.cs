using EmailWorker.IntegrationTests.Support;
using MimeKit;

namespace EmailWorker.IntegrationTests;

[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_plain_json_messages_are_published
{
    private const int Count = 200;

    [Test]
    public async Task Should_deliver_every_one_with_its_envelope_headers_bodies_and_attachments()
    {
        await using var context = new WorkerTestContext(ingestDeadLetters: false);
        await using var worker = context.StartWorker();
        Assert.That(await worker.WaitForOutputAsync("Worker consuming", TimeSpan.FromSeconds(30)), Is.True, worker.Output);

        await context.PublishJsonAsync(Enumerable.Range(0, Count).Select(SampleMessages.Full));

        Assert.That(await context.Smtp.WaitForMessagesAsync(Count, TimeSpan.FromSeconds(90)), Is.True,
            $"delivered {context.Smtp.Messages.Count} of {Count}\n{worker.Output}");
        var byId = context.Smtp.Messages.ToDictionary(m => WorkerTestContext.MessageIdOf(m.Data));
        Assert.That(byId.Keys, Is.EquivalentTo(Enumerable.Range(0, Count).Select(i => $"order-{i}")));
        foreach (var index in new[] { 0, 57, Count - 1 })
            AssertDelivered(byId[$"order-{index}"], index);
        Assert.That(await context.BecomesEmptyAsync(context.WorkQueue), Is.True,
            $"the work queue should end empty (nothing ready, nothing unacked): {await context.QueueCountsAsync(context.WorkQueue)}");
        Assert.That(await context.BecomesEmptyAsync(context.DeadQueue), Is.True);
    }

    private static void AssertDelivered(SmtpSink.ReceivedMessage received, int index)
    {
        using var stream = new MemoryStream(received.Data);
        var mail = MimeMessage.Load(stream);
        var attachment = mail.Attachments.OfType<MimePart>().Single();
        using var content = new MemoryStream();
        attachment.Content?.DecodeTo(content);
        Assert.Multiple(() =>
        {
            Assert.That(received.MailFrom, Is.EqualTo("shop@example.com"));
            Assert.That(received.Recipients, Is.EquivalentTo(new[] { $"ann{index}@example.org", "cc@example.org", "audit@example.net" }));
            Assert.That(mail.From.Mailboxes.Single().Name, Is.EqualTo("Shop"));
            Assert.That(mail.To.Mailboxes.Single().Address, Is.EqualTo($"ann{index}@example.org"));
            Assert.That(mail.Cc.Mailboxes.Single().Address, Is.EqualTo("cc@example.org"));
            Assert.That(mail.Bcc, Is.Empty, "Bcc must not appear in the headers");
            Assert.That(mail.ReplyTo.Mailboxes.Single().Address, Is.EqualTo("support@example.com"));
            Assert.That(mail.Subject, Is.EqualTo($"Your order {index}"));
            Assert.That(mail.MessageId, Is.EqualTo($"order-{index}@emailworker.local"));
            Assert.That(mail.Headers["X-Campaign"], Is.EqualTo("autumn"));
            Assert.That(mail.TextBody?.TrimEnd(), Is.EqualTo($"Plain body {index}"));
            Assert.That(mail.HtmlBody?.TrimEnd(), Is.EqualTo($"<p>HTML body {index}</p>"));
            Assert.That(attachment.FileName, Is.EqualTo("invoice.pdf"));
            Assert.That(attachment.ContentType.MimeType, Is.EqualTo("application/pdf"));
            Assert.That(content.ToArray(), Is.EqualTo(SampleMessages.InvoiceBytes(index)));
        });
    }
}
