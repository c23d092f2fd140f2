using EmailWorker.IntegrationTests.Support;

namespace EmailWorker.IntegrationTests;

/// <summary>
/// <c>Delivery:DefaultFrom</c> may carry a display name. The breaker's probe must send its address only (<c>MAIL
/// FROM:&lt;noreply@example.com&gt;</c>): a relay refuses <c>MAIL FROM:&lt;Shop &lt;noreply@…&gt;&gt;</c> with 501, and
/// consumption would never resume after the first outage.
/// </summary>
[TestFixture]
[Category("Fault")]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_the_default_sender_has_a_display_name
{
    private const int Count = 5;

    [Test]
    public async Task Should_resume_after_a_relay_outage_and_deliver_everything_once_from_that_sender()
    {
        await using var context = new WorkerTestContext(ingestDeadLetters: false);
        await context.Smtp.StopAsync();
        await using var worker = await context.StartConsumingAsync(new Dictionary<string, string>
        {
            ["EMAILWORKER__DELIVERY__DEFAULTFROM"] = "Shop <noreply@example.com>",
        });
        var recipients = Enumerable.Range(0, Count).Select(i => $"named-{i}@example.org").ToArray();

        await context.PublishJsonAsync(Enumerable.Range(0, Count).Select(i => SampleMessages.Simple($"named-{i}", recipients[i])));
        Assert.That(await worker.WaitForOutputAsync("SMTP relay unusable", TimeSpan.FromSeconds(30)), Is.True, worker.Output);
        context.Smtp.Start();

        Assert.That(await context.Smtp.WaitForMessagesAsync(Count, TimeSpan.FromSeconds(60)), Is.True,
            $"delivered {context.Smtp.Messages.Count} of {Count}\n{worker.Output}");
        Assert.That(await context.BecomesEmptyAsync(context.WorkQueue), Is.True, $"{await context.QueueCountsAsync(context.WorkQueue)}");
        Assert.Multiple(() =>
        {
            Assert.That(Copies.PerRecipient(context), Is.EqualTo(Copies.OnceEach(recipients.Select(r => (r.Split('@')[0], r)))));
            Assert.That(context.Smtp.Messages.Select(m => m.MailFrom), Is.All.EqualTo("noreply@example.com"), "the envelope sender is the address");
            Assert.That(context.Smtp.Messages.Select(m => System.Text.Encoding.UTF8.GetString(m.Data)), Has.All.Contain("From: Shop <noreply@example.com>"),
                "the header keeps the display name");
        });
    }
}
