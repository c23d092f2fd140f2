using System.Text.Json;
using EmailWorker.IntegrationTests.Support;

namespace EmailWorker.IntegrationTests;

/// <summary>
/// The worker runs as its own process with the real OTLP exporter pointed at an in-test receiver (<see cref="OtlpReceiver"/>):
/// what is checked is what a collector would get, not what an in-memory exporter inside the test would see.
/// </summary>
[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_a_producer_sends_a_traceparent
{
    [Test]
    public async Task Should_continue_its_trace_with_a_process_span_an_smtp_span_and_trace_ids_in_the_logs()
    {
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        var producerSpanId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()[..8]);
        await using var context = new WorkerTestContext();
        await using var otlp = new OtlpReceiver();
        await using var worker = context.StartWorker(new Dictionary<string, string>
        {
            ["EMAILWORKER__OBSERVABILITY__OTLPENDPOINT"] = otlp.BaseUrl,
            ["EMAILWORKER__OBSERVABILITY__OTLPPROTOCOL"] = "HttpProtobuf",
            ["EMAILWORKER__OBSERVABILITY__LOGFORMAT"] = "Json",
        });
        Assert.That(await worker.WaitForOutputAsync("Worker consuming", TimeSpan.FromSeconds(30)), Is.True, worker.Output);

        await context.PublishRawAsync(JsonSerializer.SerializeToUtf8Bytes(SampleMessages.Simple("traced")),
            new Dictionary<string, object?> { ["traceparent"] = $"00-{traceId}-{producerSpanId}-01" });

        var processName = $"process {context.WorkQueue}";
        // Exported in batches (every 5 s by default).
        Assert.That(await WorkerTestContext.EventuallyAsync(() => Task.FromResult(
            otlp.Spans.Any(s => s.Name == processName && s.TraceId == traceId) && otlp.Spans.Any(s => s.Name == "smtp send" && s.TraceId == traceId)),
            TimeSpan.FromSeconds(30)), Is.True, $"spans: {string.Join(", ", otlp.Spans)}\n{worker.Output}");
        var spans = otlp.Spans.Where(s => s.TraceId == traceId).ToList();
        var process = spans.Single(s => s.Name == processName);
        var smtp = spans.Single(s => s.Name == "smtp send");
        var delivered = JsonLogLines(worker.Output).Single(e => e.TryGetProperty("EventId", out var id) && id.GetProperty("Id").GetInt32() == 10);
        Assert.Multiple(() =>
        {
            Assert.That(process.Scope, Is.EqualTo("EmailWorker"));
            Assert.That(AncestorIds(spans, process), Does.Contain(producerSpanId), "the process span descends from the producer's span");
            Assert.That(smtp.ParentSpanId, Is.EqualTo(process.SpanId));
            Assert.That(process.Events, Does.Contain("emailworker.delivered"));
            Assert.That(delivered.GetProperty("@tr").GetString(), Is.EqualTo(traceId));
            Assert.That(delivered.GetProperty("@sp").GetString(), Is.EqualTo(process.SpanId));
        });
    }

    /// <summary>The span's parent, its parent's parent and so on, as far as the exported spans go (then the remote parent).</summary>
    private static List<string> AncestorIds(List<OtlpSpan> spans, OtlpSpan span)
    {
        var ancestors = new List<string>();
        for (var parent = span.ParentSpanId; parent.Length > 0 && ancestors.Count < 10; parent = spans.FirstOrDefault(s => s.SpanId == parent)?.ParentSpanId ?? "")
            ancestors.Add(parent);
        return ancestors;
    }

    internal static List<JsonElement> JsonLogLines(string output) =>
        [.. output.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement.Clone())];
}
