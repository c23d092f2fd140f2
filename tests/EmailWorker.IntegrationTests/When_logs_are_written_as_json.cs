using System.Text.Json;
using EmailWorker.IntegrationTests.Support;

namespace EmailWorker.IntegrationTests;

[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_logs_are_written_as_json
{
    [Test]
    public async Task Should_write_one_json_object_per_line_and_name_the_message_in_each_event_of_its_handling()
    {
        await using var context = new WorkerTestContext();
        // The relay is away while the worker starts, so the pool cannot open its connections ahead of the first message:
        // the connection is opened while that message is handled, and that event must carry the message's scope.
        await context.Smtp.StopAsync();
        await using var worker = context.StartWorker(new Dictionary<string, string> { ["EMAILWORKER__OBSERVABILITY__LOGFORMAT"] = "Json" });
        Assert.That(await worker.WaitForOutputAsync("Worker consuming", TimeSpan.FromSeconds(30)), Is.True, worker.Output);
        Assert.That(await worker.WaitForOutputAsync("Could not open", TimeSpan.FromSeconds(30)), Is.True, worker.Output);
        context.Smtp.Start();

        await context.PublishJsonAsync([new
        {
            messageId = "json-logged",
            correlationId = "order-4711",
            to = new[] { new { address = "ann@example.org" } },
            subject = "s",
            text = "t",
        }]);
        Assert.That(await context.Smtp.WaitForMessagesAsync(1, TimeSpan.FromSeconds(30)), Is.True, worker.Output);
        // Every line parses (a line that does not throws here), and the events logged while handling carry the scope.
        var lines = new List<JsonElement>();
        var ofMessage = new List<JsonElement>();
        Assert.That(await WorkerTestContext.EventuallyAsync(() =>
        {
            lines = When_a_producer_sends_a_traceparent.JsonLogLines(worker.Output);
            ofMessage = [.. lines.Where(e => e.TryGetProperty("MessageId", out var id) && id.GetString() == "json-logged")];
            return Task.FromResult(ofMessage.Any(e => EventId(e) == 10));
        }, TimeSpan.FromSeconds(30)), Is.True, worker.Output);
        Assert.Multiple(() =>
        {
            Assert.That(lines.All(e => e.TryGetProperty("@t", out _) && e.TryGetProperty("@mt", out _)), Is.True);
            Assert.That(ofMessage.Select(EventId), Is.SupersetOf(new[] { 5, 10 }),
                "the SMTP connection opened for it (from the scope) and its delivery");
            Assert.That(ofMessage.Select(e => e.TryGetProperty("CorrelationId", out var id) ? id.GetString() : null), Is.All.EqualTo("order-4711"), worker.Output);
            Assert.That(ofMessage.Select(e => e.TryGetProperty("Attempt", out var attempt) ? attempt.GetInt32() : 0), Is.All.EqualTo(1), worker.Output);
        });
    }

    private static int EventId(JsonElement logEvent) =>
        logEvent.TryGetProperty("EventId", out var id) && id.TryGetProperty("Id", out var number) ? number.GetInt32() : 0;
}
