using EmailWorker.IntegrationTests.Support;

namespace EmailWorker.IntegrationTests;

/// <summary>
/// A producer that publishes a message again (its own retry after a lost confirm, say): the second copy is new to the
/// broker — not redelivered, no attempt recorded — so the worker does not look it up before the attempt, and its claim in
/// the delivered ledger is what finds the first copy's 250. Counted at the SMTP server: once each with the ledger on,
/// twice each with it off (what the test would see if the claim did not catch it).
/// </summary>
[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_a_producer_publishes_a_message_twice
{
    [TestCase(true, 1)]
    [TestCase(false, 2)]
    public async Task Should_send_the_second_copy_only_without_the_ledger(bool ledgerOn, int copiesEach)
    {
        await using var context = new WorkerTestContext(ingestDeadLetters: false);
        var expected = Enumerable.Range(0, 10).Select(i => ($"twice-{i}", $"twice-{i}@example.org")).ToList();
        var messages = expected.Select(e => SampleMessages.Simple(e.Item1, e.Item2)).ToList();
        await using var worker = await context.StartConsumingAsync(new Dictionary<string, string> { ["EMAILWORKER__DELIVERY__LEDGER"] = $"{ledgerOn}" });

        await context.PublishJsonAsync(messages);
        Assert.That(await context.Smtp.WaitForMessagesAsync(expected.Count, TimeSpan.FromSeconds(60)), Is.True, worker.Output);
        Assert.That(await context.BecomesEmptyAsync(context.WorkQueue, TimeSpan.FromSeconds(30)), Is.True, "first copies: ready and unacked both 0");
        await context.PublishJsonAsync(messages);
        if (!ledgerOn)
            Assert.That(await context.Smtp.WaitForMessagesAsync(2 * expected.Count, TimeSpan.FromSeconds(60)), Is.True, worker.Output);
        Assert.That(await context.BecomesEmptyAsync(context.WorkQueue, TimeSpan.FromSeconds(60)), Is.True, "second copies: ready and unacked both 0\n" + worker.Output);

        Assert.Multiple(async () =>
        {
            Assert.That(Copies.PerRecipient(context), Is.EqualTo(expected.ToDictionary(e => e, _ => copiesEach)));
            Assert.That(await DeadLetter.DrainAsync(context), Is.Empty, "nothing dead-lettered");
        });
    }
}
