using System.Text.Json;
using EmailWorker.IntegrationTests.Support;
using static EmailWorker.IntegrationTests.Support.LettersAsTheyCame;

namespace EmailWorker.IntegrationTests;

/// <summary>
/// A letter that is not JSON is kept as it came: <c>dlq export</c> writes its exact bytes and every AMQP property and
/// header to files (never over a file that exists), and <c>dlq show --raw</c> prints them escaped, with nothing that
/// drives a terminal. Read from files and the command's output against the bytes the test published.
/// </summary>
[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_letters_are_taken_as_they_came
{
    private WorkerTestContext _context = null!;
    private Dictionary<string, string> _ids = null!;

    [OneTimeSetUp]
    public async Task MakeLettersAsync()
    {
        _context = new WorkerTestContext();
        await MakeAsync(_context);
        _ids = await LetterIdsAsync(_context);
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await _context.DisposeAsync();

    [Test]
    public async Task Should_export_the_exact_bytes_and_every_property_of_each_letter()
    {
        var directory = NewDirectory();
        var (exitCode, stdout, stderr) = await CliRun.RunAsync(_context.WorkerEnvironment(), "dlq", "export", "--all", "--to", directory);
        Assert.That(exitCode, Is.Zero, stderr);
        var plain = Properties(directory, Plain);
        var foreign = Properties(directory, Foreign);
        Assert.Multiple(() =>
        {
            Assert.That(stdout, Does.Contain($"exported {Bodies.Count} letter(s)"));
            foreach (var (messageId, body) in Bodies)
                Assert.That(File.ReadAllBytes(Path.Combine(directory, $"{_ids[messageId]}.body")), Is.EqualTo(body), messageId);
            Assert.That(Directory.GetFiles(directory).Select(Path.GetFileName),
                Is.EquivalentTo(_ids.Values.SelectMany(id => new[] { $"{id}.body", $"{id}.properties.json" })), "two files a letter, nothing else");
            Assert.That(plain.GetProperty("record").GetProperty("messageId").GetString(), Is.EqualTo(Plain));
            Assert.That(plain.GetProperty("properties").GetProperty("contentType").GetString(), Is.EqualTo("text/plain"));
            Assert.That(plain.GetProperty("properties").GetProperty("appId").GetString(), Is.EqualTo("legacy-billing"));
            Assert.That(plain.GetProperty("properties").GetProperty("correlationId").GetString(), Is.EqualTo($"corr-{Plain}"));
            Assert.That(plain.GetProperty("properties").GetProperty("type").GetString(), Is.EqualTo("invoice"));
            Assert.That(plain.GetProperty("headers").GetProperty("x-producer").GetString(), Is.EqualTo($"svc{Osc52}"));
            Assert.That(plain.GetProperty("bodyBytes").GetInt64(), Is.EqualTo(Bodies[Plain].Length));
            Assert.That(plain.GetProperty("record").GetProperty("class").GetString(), Is.EqualTo("invalid"), "the failure record");
            Assert.That(foreign.GetProperty("properties").GetProperty("priority").GetInt32(), Is.EqualTo(7));
            Assert.That(foreign.GetProperty("properties").GetProperty("replyTo").GetString(), Is.EqualTo("replies"));
            Assert.That(foreign.GetProperty("properties").GetProperty("expiration").GetString(), Is.EqualTo("86400000"));
            Assert.That(foreign.GetProperty("properties").GetProperty("deliveryMode").GetInt32(), Is.EqualTo(1));
            Assert.That(foreign.GetProperty("headers").GetProperty("x-origin").GetString(), Is.EqualTo("elsewhere"));
            Assert.That(foreign.GetProperty("headers").GetProperty("x-token").GetProperty("$bytes").GetString(), Is.EqualTo("/wE="), "a binary header, as base64");
        });
    }

    [Test]
    public async Task Should_refuse_to_overwrite_files_that_exist()
    {
        var directory = NewDirectory();
        var first = await CliRun.RunAsync(_context.WorkerEnvironment(), "dlq", "export", "--all", "--to", directory);
        Assert.That(first.ExitCode, Is.Zero, first.Stderr);
        var mine = Path.Combine(directory, $"{_ids[Plain]}.body");
        await File.WriteAllTextAsync(mine, "the operator's own file");
        File.Delete(Path.Combine(directory, $"{_ids[Escapes]}.body"));
        File.Delete(Path.Combine(directory, $"{_ids[Escapes]}.properties.json"));

        var (exitCode, stdout, stderr) = await CliRun.RunAsync(_context.WorkerEnvironment(), "dlq", "export", "--all", "--to", directory);
        Assert.Multiple(async () =>
        {
            Assert.That(exitCode, Is.EqualTo(1), "refusals make the export fail");
            Assert.That(stdout, Does.Contain("exported 1 letter(s)").And.Contain("3 refused"));
            Assert.That(stderr, Does.Contain($"refused {_ids[Plain]}"));
            Assert.That(await File.ReadAllTextAsync(mine), Is.EqualTo("the operator's own file"), "not overwritten");
            Assert.That(File.ReadAllBytes(Path.Combine(directory, $"{_ids[Escapes]}.body")), Is.EqualTo(Bodies[Escapes]), "the missing letter written");
            Assert.That(Directory.GetFiles(directory), Has.None.EndsWith(".partial"));
        });
    }

    [Test]
    public async Task Should_write_nothing_on_a_dry_run()
    {
        var directory = NewDirectory();
        var (exitCode, stdout, stderr) = await CliRun.RunAsync(_context.WorkerEnvironment(), "dlq", "export", "--class", "invalid", "--dry-run", "--to", directory);
        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.Zero, stderr);
            Assert.That(stdout, Does.StartWith("3 letter(s) selected"));
            Assert.That(Directory.Exists(directory), Is.False);
        });
    }

    [Test]
    public async Task Should_refuse_an_export_that_does_not_say_what_to_take()
    {
        var (exitCode, _, stderr) = await CliRun.RunAsync(_context.WorkerEnvironment(), "dlq", "export", "--to", NewDirectory());
        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(2));
            Assert.That(stderr, Does.Contain("--all"));
        });
    }

    [Test]
    public async Task Should_show_the_raw_letter_escaped_and_nothing_that_drives_a_terminal()
    {
        var escapes = await CliRun.RunAsync(_context.WorkerEnvironment(), "dlq", "show", _ids[Escapes], "--raw");
        var foreign = await CliRun.RunAsync(_context.WorkerEnvironment(), "dlq", "show", Foreign, "--raw");
        Assert.Multiple(() =>
        {
            Assert.That(escapes.ExitCode, Is.Zero, escapes.Stderr);
            Assert.That(foreign.ExitCode, Is.Zero, foreign.Stderr);
            foreach (var output in new[] { escapes.Stdout, escapes.Stderr, foreign.Stdout })
            {
                Assert.That(output, Does.Not.Contain("\u001b"), "no ESC");
                Assert.That(output, Does.Not.Contain("\u0007"), "no BEL");
                Assert.That(output, Does.Not.Contain("\u202e"), "no right-to-left override");
                Assert.That(output, Does.Not.Contain("\0"), "no NUL");
                Assert.That(output, Does.Not.Contain("\r"), "no carriage return");
            }
            Assert.That(escapes.Stdout, Does.Contain(@"line1\r\n" + "\n" + @"\u001b]52;c;ZXZpbA==\u0007\u001b[2J\u202eexe.pdf\u0000\xff\xfe\xc3\\end\n"), "the body, every byte");
            Assert.That(escapes.Stdout, Does.Contain("content-type: text/plain").And.Contain("app-id: legacy-billing"));
            Assert.That(escapes.Stdout, Does.Contain(@"x-producer: ""svc\\u001b]52").IgnoreCase, "the header as stored (JSON), escaped");
            Assert.That(foreign.Stdout, Does.Contain("priority: 7").And.Contain("reply-to: replies").And.Contain("delivery-mode: 1"));
            Assert.That(foreign.Stdout, Does.Contain(@"from elsewhere \x80"));
        });
    }

    [Test]
    public async Task Should_show_at_most_a_mebibyte_of_a_body_and_say_what_is_left_out()
    {
        var (exitCode, stdout, stderr) = await CliRun.RunAsync(_context.WorkerEnvironment(), "dlq", "show", Large, "--raw");
        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.Zero, stderr);
            Assert.That(stdout, Does.Contain($"body            {LargeBytes} bytes"));
            Assert.That(stdout, Does.Contain($"(end of the first {RawShown} bytes: {LargeBytes - RawShown} more not shown"));
            // This body escapes to about 3.1 characters a byte (\u0000 for a control, \x80 for a byte that is not UTF-8): the
            // 1 MiB shown is about 3.2 million characters, the whole 1.5 MiB would be about 4.9 million.
            Assert.That(stdout.Length, Is.LessThan(4 * RawShown + 64 * 1024));
            Assert.That(stdout, Does.Not.Contain("\u001b"), "no ESC");
        });
    }

    [Test]
    public async Task Should_give_the_body_as_base64_with_json()
    {
        var (exitCode, stdout, stderr) = await CliRun.RunAsync(_context.WorkerEnvironment(), "dlq", "show", _ids[Escapes], "--raw", "--json");
        Assert.That(exitCode, Is.Zero, stderr);
        var letter = JsonDocument.Parse(stdout).RootElement.EnumerateArray().Single();
        Assert.Multiple(() =>
        {
            Assert.That(Convert.FromBase64String(letter.GetProperty("bodyBase64").GetString()!), Is.EqualTo(Bodies[Escapes]));
            Assert.That(letter.GetProperty("bodyShownBytes").GetInt32(), Is.EqualTo(Bodies[Escapes].Length));
            Assert.That(letter.GetProperty("properties").GetProperty("contentType").GetString(), Is.EqualTo("text/plain"));
            Assert.That(letter.GetProperty("bodySha256").GetString(),
                Is.EqualTo(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Bodies[Escapes]))));
        });
    }

    /// <summary>How much of a body <c>dlq show --raw</c> prints.</summary>
    private const int RawShown = 1024 * 1024;

    private string NewDirectory() => Path.Combine(_context.DataDirectory, "exports", Guid.NewGuid().ToString("N"));

    private JsonElement Properties(string directory, string messageId) =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(directory, $"{_ids[messageId]}.properties.json"))).RootElement;
}
