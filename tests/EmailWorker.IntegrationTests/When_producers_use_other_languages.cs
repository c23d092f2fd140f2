using System.Diagnostics;
using System.Text.Json;
using EmailWorker.IntegrationTests.Support;

namespace EmailWorker.IntegrationTests;

/// <summary>
/// The Python and Node.js examples in src/Examples publish plain JSON with a W3C traceparent to the lane they are told (here
/// high) and a <c>sendAt</c> a few seconds ahead (<c>EMAIL_SEND_AFTER</c>), and print the outcome event of their message;
/// the worker held it in the store until then (read back with <c>scheduled list --all --json</c>), released it into the
/// lane it came from (the broker counts both publishes in at the high lane's exchange) and, exporting to an in-test OTLP
/// receiver, continues their trace across the hold.
/// </summary>
[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_producers_use_other_languages
{
    [TestCase("/usr/bin/python3", "python/send_email.py", "python-")]
    [TestCase("node", "node/send-email.js", "node-")]
    public async Task Should_deliver_their_message_and_print_its_delivered_event(string runtime, string script, string idPrefix)
    {
        await using var context = new WorkerTestContext();
        await using var otlp = new OtlpReceiver();
        await using var worker = context.StartWorker(new Dictionary<string, string>
        {
            ["EMAILWORKER__OBSERVABILITY__OTLPENDPOINT"] = otlp.BaseUrl,
            ["EMAILWORKER__OBSERVABILITY__OTLPPROTOCOL"] = "HttpProtobuf",
        });
        Assert.That(await worker.WaitForOutputAsync("Worker consuming", TimeSpan.FromSeconds(30)), Is.True, worker.Output);

        var (exitCode, output) = await RunAsync(runtime, script, context);

        Assert.That(exitCode, Is.Zero, output + "\n" + worker.Output);
        var lines = output.Split('\n');
        var sentId = lines.Single(line => line.StartsWith("sent ", StringComparison.Ordinal))["sent ".Length..].Trim();
        using var delivered = JsonDocument.Parse(lines.Single(line => line.StartsWith("delivered: ", StringComparison.Ordinal))["delivered: ".Length..]);
        var traceId = lines.Single(line => line.StartsWith("trace ", StringComparison.Ordinal))["trace ".Length..].Trim();
        // The worker continued the example's trace (spans are exported in batches, every 5 s by default).
        Assert.That(await WorkerTestContext.EventuallyAsync(() => Task.FromResult(otlp.Spans.Any(s => s.TraceId == traceId && s.Name == $"process {context.WorkQueue}.high")),
            TimeSpan.FromSeconds(30)), Is.True, $"trace {traceId}; spans: {string.Join(", ", otlp.Spans)}");
        // The broker's own count (its statistics trail by a second, by more on a loaded machine): the example published in
        // at the high lane's exchange, and the hold's release published it there again — a release into any other lane
        // would leave this at 1.
        var publishedIn = 0L;
        Assert.That(await WorkerTestContext.EventuallyAsync(async () => (publishedIn = await ExchangeStats.PublishedInAsync(context.Broker, $"{context.WorkQueue}.high")) == 2,
            TimeSpan.FromSeconds(30)), Is.True, () => $"published to the high lane's exchange, then released into it: {publishedIn} published in\n{worker.Output}");
        var scheduled = await CliRun.RunAsync(context.WorkerEnvironment(), "scheduled", "list", "--all", "--json");
        Assert.Multiple(() =>
        {
            Assert.That(scheduled.ExitCode, Is.Zero, scheduled.Stderr);
            Assert.That(JsonDocument.Parse(scheduled.Stdout).RootElement.EnumerateArray().Select(e => (e.GetProperty("messageId").GetString(), e.GetProperty("state").GetString())),
                Is.EqualTo(new[] { (sentId, "released") }), "held until its sendAt, then released");
            Assert.That(sentId, Does.StartWith(idPrefix));
            Assert.That(context.DeliveredMessageIds(), Is.EquivalentTo(new[] { sentId }));
            Assert.That(delivered.RootElement.GetProperty("messageId").GetString(), Is.EqualTo(sentId));
            Assert.That(delivered.RootElement.GetProperty("attempt").GetInt32(), Is.EqualTo(1));
        });
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string runtime, string script, WorkerTestContext context)
    {
        var examples = Path.Combine(RepositoryRoot(), "src", "Examples");
        var start = new ProcessStartInfo(runtime) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = examples };
        start.ArgumentList.Add(Path.Combine(examples, script));
        var broker = context.Broker;
        start.Environment["AMQP_URL"] = $"amqp://{Uri.EscapeDataString(broker.Username)}:{Uri.EscapeDataString(broker.Password)}@{broker.Host}:{broker.Port}/{Uri.EscapeDataString(broker.VirtualHost)}";
        start.Environment["EMAIL_PREFIX"] = context.Prefix;
        start.Environment["EMAIL_PRIORITY"] = "high";
        start.Environment["OUTCOME_TIMEOUT"] = "60";
        // Beyond Scheduled:WaitInMemory (2 s): held in the store, not in the handler.
        start.Environment["EMAIL_SEND_AFTER"] = "4";
        using var process = ChildProcesses.Track(Process.Start(start)!);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CurrentContext.CancellationToken);
        bound.CancelAfter(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(bound.Token);
        }
        finally
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "EmailWorker.sln")))
            directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("EmailWorker.sln not found");
    }
}
