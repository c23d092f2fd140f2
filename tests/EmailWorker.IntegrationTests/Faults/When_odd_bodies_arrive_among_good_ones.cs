using System.Text;
using EmailWorker.IntegrationTests.Support;

namespace EmailWorker.IntegrationTests.Faults;

/// <summary>One odd body in the middle of good ones: it is dead-lettered as invalid with its code, the others are delivered once.</summary>
[TestFixture]
[Category("Fault")]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_odd_bodies_arrive_among_good_ones
{
    private const int Count = 10;

    private static IEnumerable<TestCaseData> OddBodies()
    {
        yield return new TestCaseData("not JSON at all \u001b[31m\r\n", "not_json", 1).SetArgDisplayNames("non-JSON");
        yield return new TestCaseData("""[{"messageId":"in-array","to":[{"address":"a@example.org"}],"text":"t"}]""", "not_json", 1).SetArgDisplayNames("JSON array");
        yield return new TestCaseData("""{"messageId":null,"from":null,"to":null,"cc":null,"bcc":null,"replyTo":null,"subject":null,"text":null,"html":null,"headers":null,"attachments":null,"tags":null}""", "missing_message_id", 1)
            .SetArgDisplayNames("nulls everywhere");
        var many = string.Join(',', Enumerable.Range(0, 101).Select(i => $$"""{"address":"many-{{i}}@example.org"}"""));
        yield return new TestCaseData($$"""{"messageId":"many","to":[{{many}}],"subject":"s","text":"t"}""", "too_many_recipients", 101).SetArgDisplayNames("101 recipients");
    }

    [TestCaseSource(nameof(OddBodies))]
    public async Task Should_dead_letter_it_as_invalid_with_its_code_and_deliver_the_others(string body, string code, int recipients)
    {
        await using var context = new WorkerTestContext(ingestDeadLetters: false);
        var ledger = new Reconciliation($"odd body among good ones: {TestContext.CurrentContext.Test.Name}");
        await using var worker = await context.StartConsumingAsync();
        var messages = FaultRun.Messages(ledger, "good", Count);
        var bytes = Encoding.UTF8.GetBytes(body);
        var odd = recipients == 101 ? Enumerable.Range(0, 101).Select(i => $"many-{i}@example.org").ToArray() : [];
        await context.PublishJsonAsync(messages.Take(Count / 2));
        await context.PublishRawAsync(ledger.AddRaw(recipients == 101 ? "many" : "odd", bytes, odd));
        await context.PublishJsonAsync(messages.Skip(Count / 2));

        await FaultRun.AllDeliveredAsync(context, ledger, worker, Count, TimeSpan.FromSeconds(60));
        Assert.That(await WorkerTestContext.EventuallyAsync(async () => await context.MessageCountAsync(context.DeadQueue) == 1, TimeSpan.FromSeconds(30)), Is.True, worker.Output);
        var figures = await ledger.AssertAsync(context);
        var letter = ledger.DeadLetters.Single();
        Assert.Multiple(() =>
        {
            Assert.That(figures.Delivered, Is.EqualTo(Count));
            Assert.That(figures.DeadLettered, Is.EqualTo(recipients), "the odd message stands for all its recipients");
            Assert.That(letter.Body, Is.EqualTo(bytes), "kept byte for byte");
            Assert.That(letter.Header("email-failure-class"), Is.EqualTo("invalid"));
            Assert.That(letter.Header("email-failure-reason"), Does.StartWith(code));
            Assert.That(worker.Output, Does.Not.Contain("\u001b[31m"), "control characters from the body never reach the log raw");
        });
    }
}
