using System.Text.Json;
using EmailWorker.IntegrationTests.Support;
using EmailWorker.SmtpSink;

namespace EmailWorker.IntegrationTests;

/// <summary>
/// Producers choose every field of a dead letter: an address, a subject, a tag or a header may carry a terminal escape
/// sequence (OSC 52 writes the operator's clipboard, CSI clears the screen). Real dead letters made by a worker carry
/// them; no operator command may write them raw to the terminal — only escaped (\u001b), still readable.
/// </summary>
[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_a_dead_letter_carries_terminal_escapes
{
    private const string Osc52 = "\u001b]52;c;ZXZpbA==\u0007";
    private const string ClearScreen = "\u001b[2J";
    private const string RightToLeft = "\u202e";

    private WorkerTestContext _context = null!;

    [OneTimeSetUp]
    public async Task MakeLettersAsync()
    {
        _context = new WorkerTestContext();
        _context.Smtp.Script.OnRcptTo = _ => new SmtpReply(550, $"5.1.1 no such user{ClearScreen}");
        await using var worker = await _context.StartConsumingAsync();
        // Refused by the relay (a permanent dead letter): its subject, tag, correlation id and a header carry escapes.
        await _context.PublishRawAsync(JsonSerializer.SerializeToUtf8Bytes(new
        {
            messageId = "esc-subject",
            to = new[] { new { address = "ann@example.org" } },
            subject = $"Invoice{Osc52}{RightToLeft}fdp.exe",
            text = "body",
            tags = new Dictionary<string, string> { ["team"] = $"billing{ClearScreen}" },
            correlationId = $"corr{Osc52}",
        }), new Dictionary<string, object?> { ["x-producer"] = $"svc{Osc52}" });
        // Refused by the worker itself (an invalid dead letter): the addresses carry escapes.
        await _context.PublishJsonAsync([new
        {
            messageId = "esc-address",
            from = new { address = $"from{ClearScreen}@example.org" },
            to = new[] { new { address = $"evil{Osc52}@example.org" } },
            cc = new[] { new { address = $"cc{Osc52}@example.org" } },
            subject = "Hello",
            text = "body",
        }]);
        Assert.That(await WorkerTestContext.EventuallyAsync(async () =>
            await _context.BecomesEmptyAsync(_context.WorkQueue, TimeSpan.FromSeconds(1)) && await StoredCountAsync() == 2, TimeSpan.FromSeconds(60)),
            Is.True, worker.Output);
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await _context.DisposeAsync();

    [TestCase("dlq", "show", "esc-subject")]
    [TestCase("dlq", "show", "esc-address")]
    [TestCase("dlq", "list")]
    [TestCase("dlq", "list", "--history")]
    [TestCase("dlq", "groups")]
    [TestCase("dlq", "replay", "--all", "--dry-run")]
    public async Task Should_print_the_fields_escaped_and_nothing_that_drives_a_terminal(params string[] command)
    {
        var (exitCode, stdout, stderr) = await CliRun.RunAsync(_context.WorkerEnvironment(), command);
        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.Zero, stderr);
            foreach (var (name, output) in new[] { ("stdout", stdout), ("stderr", stderr) })
            {
                Assert.That(output, Does.Not.Contain("\u001b"), $"{name}: no ESC");
                Assert.That(output, Does.Not.Contain("\u0007"), $"{name}: no BEL");
                Assert.That(output, Does.Not.Contain(RightToLeft), $"{name}: no right-to-left override");
            }
        });
    }

    [Test]
    public async Task Should_show_every_field_of_the_letter_escaped()
    {
        var subject = await CliRun.RunAsync(_context.WorkerEnvironment(), "dlq", "show", "esc-subject");
        var address = await CliRun.RunAsync(_context.WorkerEnvironment(), "dlq", "show", "esc-address");
        Assert.Multiple(() =>
        {
            Assert.That(subject.Stdout, Does.Contain(@"Invoice\u001b]52;c;ZXZpbA==\u0007\u202efdp.exe"), "the subject");
            Assert.That(subject.Stdout, Does.Contain(@"team=billing\u001b[2J"), "the tag");
            Assert.That(subject.Stdout, Does.Contain(@"corr\u001b]52"), "the correlation id");
            Assert.That(subject.Stdout, Does.Contain(@"x-producer: svc\u001b]52"), "the header");
            Assert.That(subject.Stdout, Does.Contain(@"no such user\u001b[2J"), "the relay's reply");
            Assert.That(address.Stdout, Does.Contain(@"evil\u001b]52;c;ZXZpbA==\u0007@example.org"), "the To address");
            Assert.That(address.Stdout, Does.Contain(@"cc\u001b]52"), "the Cc address");
            Assert.That(address.Stdout, Does.Contain(@"from\u001b[2J@example.org"), "the sender");
        });
    }

    private async Task<int> StoredCountAsync()
    {
        var (exitCode, stdout, _) = await CliRun.RunAsync(_context.WorkerEnvironment(), "dlq", "list", "--json");
        return exitCode == 0 ? JsonDocument.Parse(stdout).RootElement.GetArrayLength() : -1;
    }
}
