using System.Collections.Concurrent;
using System.Text.Json;
using EmailWorker.IntegrationTests.Support;
using EmailWorker.SmtpSink;

namespace EmailWorker.IntegrationTests;

/// <summary>
/// Soft failures end to end (<c>Suppression:SoftFailures:Count</c> 3): cy's mailbox answers <c>452 4.2.2</c> to three
/// messages and she is listed <c>soft_bounce</c>, so the fourth message reaches the others and not her (counted at the SMTP
/// server); dan failed soft three times too, but a delivery between cleared his count, so he is still sent to. The store's
/// side is read with <c>suppress list --json</c>. The retry tier is long: no retry runs during the test.
/// </summary>
[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_a_recipient_fails_soft_again_and_again
{
    private const string Ann = "ann@example.org";
    private const string Cy = "cy@example.org";
    private const string Dan = "dan@example.org";

    [Test]
    public async Task Should_suppress_a_recipient_after_the_count_of_soft_failures_and_not_one_delivered_between()
    {
        await using var context = new WorkerTestContext(retrySchedule: "10m", ingestDeadLetters: false);
        var rcpts = new ConcurrentDictionary<string, int>();
        var full = new SmtpReply(452, "4.2.2 <mailbox>: Mailbox full, try again later");
        context.Smtp.Script.OnRcptTo = recipient =>
        {
            var n = rcpts.AddOrUpdate(recipient, 1, (_, count) => count + 1);
            // Cy's mailbox stays full; dan's is full, then takes the second message, then is full again.
            return recipient == Cy || (recipient == Dan && n != 2) ? full : null;
        };
        await using var worker = await context.StartConsumingAsync(new Dictionary<string, string>
        {
            ["EMAILWORKER__SUPPRESSION__ENABLED"] = "true",
            ["EMAILWORKER__SUPPRESSION__SOFTFAILURES__COUNT"] = "3",
        });
        await using var events = await EventCollector.StartAsync(context);

        // One at a time: each message's failures are counted before its events are published.
        foreach (var messageId in new[] { "soft-1", "soft-2", "soft-3" })
        {
            await context.PublishJsonAsync([Message(messageId)]);
            Assert.That(await events.WaitForAsync(messageId, "email.delivered"), Is.True, worker.Output);
        }
        await context.PublishJsonAsync([Message("soft-4")]);
        Assert.That(await events.WaitForAsync("soft-4", "email.delivered"), Is.True, worker.Output);
        Assert.That(await events.WaitForAsync("soft-4", "email.suppressed"), Is.True, worker.Output);

        var listed = await CliRun.RunAsync(context.WorkerEnvironment(), "suppress", "list", "--json");
        var entries = JsonDocument.Parse(listed.Stdout).RootElement.EnumerateArray().ToList();
        var suppressed = events.Of("soft-4", "email.suppressed").Single();
        Assert.Multiple(() =>
        {
            Assert.That(rcpts, Is.EqualTo(new Dictionary<string, int> { [Ann] = 4, [Cy] = 3, [Dan] = 4 }),
                "cy's RCPT was not tried by the fourth message; dan's was");
            Assert.That(Copies(context), Is.EqualTo(new Dictionary<string, int> { [Ann] = 4, [Dan] = 1 }));
            Assert.That((suppressed.GetProperty("recipient").GetString(), suppressed.GetProperty("reason").GetString()), Is.EqualTo((Cy, "soft_bounce")));
            Assert.That(listed.ExitCode, Is.Zero, listed.Stderr);
            Assert.That(entries.Select(e => (e.GetProperty("address").GetString(), e.GetProperty("scope").GetString(), e.GetProperty("reason").GetString(),
                e.GetProperty("sourceMessageId").GetString(), e.GetProperty("createdBy").GetString())),
                Is.EqualTo(new[] { (Cy, "global", "soft_bounce", "soft-3", "worker") }), "dan's delivery between cleared his count");
        });
        Assert.That(await worker.WaitForOutputAsync("added to the suppression list after 3 messages failed soft within 7d", TimeSpan.FromSeconds(30)), Is.True, worker.Output);
    }

    private static object Message(string messageId) => new
    {
        messageId,
        to = new[] { new { address = Ann }, new { address = Cy }, new { address = Dan } },
        subject = "s",
        text = "t",
    };

    private static Dictionary<string, int> Copies(WorkerTestContext context) =>
        context.Smtp.Messages.SelectMany(m => m.Recipients).GroupBy(r => r).ToDictionary(g => g.Key, g => g.Count());
}
