using EmailWorker.IntegrationTests.Support;

namespace EmailWorker.IntegrationTests;

[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_the_message_is_invalid_or_expired
{
    [Test]
    public async Task Should_dead_letter_invalid_messages_naming_the_field_and_keep_delivering_the_others()
    {
        await using var context = new WorkerTestContext(ingestDeadLetters: false);
        await using var worker = context.StartWorker(new Dictionary<string, string> { ["EMAILWORKER__DELIVERY__MAXMESSAGEBYTES"] = "2048" });
        Assert.That(await worker.WaitForOutputAsync("Worker consuming", TimeSpan.FromSeconds(30)), Is.True, worker.Output);
        await using var events = await EventCollector.StartAsync(context);
        var invalid = new (string Body, string Code, string Field)[]
        {
            ("{not json", "not_json", "$"),
            ("""{"messageId":"no-recipients","to":[],"text":"t"}""", "missing_recipient", "to"),
            ("""{"messageId":"crlf-subject","to":[{"address":"a@example.org"}],"subject":"Hi\r\nBcc: victim@example.org","text":"t"}""", "header_injection", "subject"),
            ("""{"messageId":"too-big","to":[{"address":"a@example.org"}],"text":""" + $"\"{new string('x', 3000)}\"}}", "too_large", "body"),
        };

        for (var i = 0; i < invalid.Length; i++)
        {
            await context.PublishJsonAsync([SampleMessages.Simple($"good-{i}")]);
            await context.PublishRawAsync(WorkerTestContext.Utf8(invalid[i].Body));
        }
        await context.PublishJsonAsync([SampleMessages.Simple("good-last")]);

        Assert.That(await context.Smtp.WaitForMessagesAsync(invalid.Length + 1, TimeSpan.FromSeconds(60)), Is.True, worker.Output);
        Assert.That(await WorkerTestContext.EventuallyAsync(async () => await context.MessageCountAsync(context.DeadQueue) == invalid.Length, TimeSpan.FromSeconds(30)),
            Is.True, worker.Output);
        // Status events travel apart from the dead letters: wait for them too (the bound of a wait on a loaded machine).
        Assert.That(await WorkerTestContext.EventuallyAsync(() => Task.FromResult(events.Events.Count(e => e.RoutingKey == "email.rejected") >= invalid.Length),
            TimeSpan.FromSeconds(30)), Is.True, worker.Output);
        var letters = await DeadLetter.DrainAsync(context);
        Assert.Multiple(() =>
        {
            Assert.That(context.DeliveredMessageIds(), Is.EquivalentTo(Enumerable.Range(0, invalid.Length).Select(i => $"good-{i}").Append("good-last")));
            foreach (var (body, code, field) in invalid)
            {
                var letter = letters.Single(l => l.Body.SequenceEqual(WorkerTestContext.Utf8(body)));
                Assert.That(letter.Header("email-failure-class"), Is.EqualTo("invalid"), code);
                Assert.That(letter.Header("email-failure-reason"), Does.StartWith($"{code} at {field}"));
                Assert.That(letter.Header("email-attempt"), Is.EqualTo("0"), "an invalid message is never tried");
            }
            Assert.That(events.Events.Count(e => e.RoutingKey == "email.rejected"), Is.EqualTo(invalid.Length));
            Assert.That(events.Of("no-recipients", "email.rejected").Single().GetProperty("errors")[0].GetProperty("code").GetString(),
                Is.EqualTo("missing_recipient"));
        });
    }

    [Test]
    public async Task Should_dead_letter_an_expired_message_without_sending_it()
    {
        await using var context = new WorkerTestContext(ingestDeadLetters: false);
        await using var worker = context.StartWorker();
        Assert.That(await worker.WaitForOutputAsync("Worker consuming", TimeSpan.FromSeconds(30)), Is.True, worker.Output);
        await using var events = await EventCollector.StartAsync(context);

        await context.PublishJsonAsync([
            new { messageId = "otp-expired", to = new[] { new { address = "a@example.org" } }, text = "code 1234", expiresAt = DateTimeOffset.UtcNow.AddMinutes(-1) },
            SampleMessages.Simple("after-expired"),
        ]);

        Assert.That(await events.WaitForAsync("otp-expired", "email.expired"), Is.True, worker.Output);
        Assert.That(await context.Smtp.WaitForMessagesAsync(1, TimeSpan.FromSeconds(30)), Is.True);
        var letter = (await DeadLetter.DrainAsync(context)).Single();
        Assert.Multiple(() =>
        {
            Assert.That(context.DeliveredMessageIds(), Is.EquivalentTo(new[] { "after-expired" }), "the expired message is never sent");
            Assert.That(letter.Header("email-failure-class"), Is.EqualTo("expired"));
            Assert.That(letter.Header("email-failure-reason"), Does.StartWith("expired"));
        });
    }
}
