using EmailWorker.IntegrationTests.Support;
using EmailWorker.SmtpSink;
using EmailWorker.TestSupport;

namespace EmailWorker.IntegrationTests;

/// <summary>
/// TLS to the relay with a CA made for the test: delivered when the worker trusts it, refused (breaker, nothing sent in
/// plaintext, nothing dead-lettered) when the server has no STARTTLS, the certificate is not trusted, or the login fails.
/// </summary>
[TestFixture]
[Category("Fault")]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_the_relay_needs_tls
{
    private const int Count = 5;
    private static readonly string[] NeverInPlaintext = ["AUTH", "MAIL", "RCPT", "DATA"];
    private TestCertificateAuthority _ca = null!;
    private TestCertificateAuthority _otherCa = null!;
    private string _caFile = null!;
    private string _otherCaFile = null!;

    [OneTimeSetUp]
    public void CreateAuthorities()
    {
        _ca = TestCertificateAuthority.Create();
        _otherCa = TestCertificateAuthority.Create("Some other CA");
        _caFile = Path.Combine(Path.GetTempPath(), $"emailworker-test-ca-{Guid.NewGuid():N}.pem");
        _otherCaFile = Path.Combine(Path.GetTempPath(), $"emailworker-other-ca-{Guid.NewGuid():N}.pem");
        _ca.WriteCaPem(_caFile);
        _otherCa.WriteCaPem(_otherCaFile);
    }

    [OneTimeTearDown]
    public void DeleteAuthorities()
    {
        File.Delete(_caFile);
        File.Delete(_otherCaFile);
        _ca.Dispose();
        _otherCa.Dispose();
    }

    [TestCase("StartTls", false)]
    [TestCase("SslOnConnect", true)]
    public async Task Should_deliver_over_tls_to_a_relay_whose_ca_is_trusted(string security, bool implicitTls)
    {
        await using var context = new WorkerTestContext(ingestDeadLetters: false);
        context.Smtp.Certificate = _ca.IssueServerCertificate();
        context.Smtp.ImplicitTls = implicitTls;
        await using var worker = await StartAsync(context, security, _caFile);
        var recipients = await PublishAsync(context, "tls-ok");

        Assert.That(await WorkerTestContext.EventuallyAsync(() => Task.FromResult(context.CopiesByRecipient().Count == Count), TimeSpan.FromSeconds(30)),
            Is.True, $"delivered {context.CopiesByRecipient().Count} of {Count}\n{worker.Output}");
        Assert.That(await context.BecomesEmptyAsync(context.WorkQueue), Is.True, $"{await context.QueueCountsAsync(context.WorkQueue)}");
        Assert.Multiple(async () =>
        {
            Assert.That(context.CopiesByRecipient().ToDictionary(c => c.Key, c => c.Value.Count), Is.EquivalentTo(recipients.ToDictionary(r => r, _ => 1)));
            Assert.That(context.Smtp.Commands.Where(c => NeverInPlaintext.Contains(c.Verb)), Is.Not.Empty.And.All.Matches<ReceivedCommand>(c => c.OverTls),
                "the envelope and the data went over TLS only");
            Assert.That(await context.BecomesEmptyAsync(context.DeadQueue), Is.True);
        });
    }

    [Test]
    public async Task Should_never_fall_back_to_plaintext_when_the_relay_offers_no_starttls()
    {
        await using var context = new WorkerTestContext(ingestDeadLetters: false);
        await using var worker = await StartAsync(context, "StartTls", _caFile);
        await PublishAsync(context, "tls-missing");

        await AssertRefusedAsync(context, worker, "tls-missing");
        Assert.Multiple(() =>
        {
            Assert.That(worker.Output, Does.Contain("STARTTLS"), "the reason names what is missing");
            Assert.That(context.Smtp.Commands.Select(c => c.Verb), Is.All.EqualTo("EHLO"), "each try ends after EHLO");
        });
    }

    [TestCase("StartTls", false)]
    [TestCase("SslOnConnect", true)]
    public async Task Should_refuse_a_certificate_from_a_ca_it_does_not_trust(string security, bool otherCaConfigured)
    {
        await using var context = new WorkerTestContext(ingestDeadLetters: false);
        context.Smtp.Certificate = _ca.IssueServerCertificate();
        context.Smtp.ImplicitTls = security == "SslOnConnect";
        await using var worker = await StartAsync(context, security, otherCaConfigured ? _otherCaFile : null);
        await PublishAsync(context, "tls-untrusted");

        await AssertRefusedAsync(context, worker, "tls-untrusted");
        Assert.Multiple(() =>
        {
            Assert.That(worker.Output, Does.Contain("certificate could not be validated"), "the reason is the certificate");
            Assert.That(context.Smtp.Commands.Where(c => c.OverTls), Is.Empty, "the handshake never completed");
        });
    }

    // The system's roots of the worker process are replaced by the test CA alone (OpenSSL's SSL_CERT_FILE/SSL_CERT_DIR,
    // which .NET reads on Linux): a certificate the system trusts, without touching the machine's trust store. (MailKit
    // also checks revocation, which a test CA without a CRL fails anyway; CertificateTrustTests covers the rule itself.)
    [TestCase("StartTls")]
    [TestCase("SslOnConnect")]
    public async Task Should_refuse_a_certificate_the_system_trusts_when_another_ca_is_named(string security)
    {
        await using var context = new WorkerTestContext(ingestDeadLetters: false);
        context.Smtp.Certificate = _ca.IssueServerCertificate();
        context.Smtp.ImplicitTls = security == "SslOnConnect";
        await using var worker = await StartAsync(context, security, _otherCaFile, SystemRoots(_caFile));
        await PublishAsync(context, "tls-system");

        await AssertRefusedAsync(context, worker, "tls-system");
        Assert.That(worker.Output, Does.Contain("certificate could not be validated"), "the CA file is the only trust");
    }

    [TestCase("StartTls")]
    [TestCase("SslOnConnect")]
    public async Task Should_refuse_a_trusted_certificate_for_another_host_name(string security)
    {
        await using var context = new WorkerTestContext(ingestDeadLetters: false);
        // Signed by the CA the worker trusts, but for a name that is not the relay's (the worker connects to 127.0.0.1).
        context.Smtp.Certificate = _ca.IssueServerCertificate("mail.example.org");
        context.Smtp.ImplicitTls = security == "SslOnConnect";
        await using var worker = await StartAsync(context, security, _caFile);
        await PublishAsync(context, "tls-wrong-name");

        await AssertRefusedAsync(context, worker, "tls-wrong-name");
        Assert.Multiple(() =>
        {
            Assert.That(worker.Output, Does.Contain("did not match the name given in the server's SSL certificate"), "the reason is the host name");
            Assert.That(context.Smtp.Commands.Where(c => c.OverTls), Is.Empty, "the handshake never completed");
        });
    }

    [Test]
    public async Task Should_pause_without_dead_lettering_when_the_relay_refuses_the_login()
    {
        const string WrongPassword = "smtp-Wr0ng-tls-8e7f";
        await using var context = new WorkerTestContext(ingestDeadLetters: false);
        context.Smtp.Certificate = _ca.IssueServerCertificate();
        context.Smtp.Script.Credentials = ("mailer", "smtp-Right-tls-1a2b");
        await using var worker = await StartAsync(context, "StartTls", _caFile, new Dictionary<string, string>
        {
            ["EMAILWORKER__SMTP__USERNAME"] = "mailer",
            ["EMAILWORKER__SMTP__PASSWORD"] = WrongPassword,
        });
        await PublishAsync(context, "tls-login");

        await AssertRefusedAsync(context, worker, "tls-login");
        Assert.Multiple(() =>
        {
            Assert.That(context.Smtp.Commands.Where(c => c.Verb == "AUTH"), Is.Not.Empty.And.All.Matches<ReceivedCommand>(c => c.OverTls),
                "the password only ever went over TLS");
            Assert.That(worker.Output, Does.Contain("535"), "the reason is the refused login");
            Assert.That(worker.Output, Does.Not.Contain(WrongPassword));
        });
    }

    [Test]
    public async Task Should_refuse_to_start_with_a_login_over_plaintext_unless_allowed()
    {
        await using var context = new WorkerTestContext(ingestDeadLetters: false);
        await using var worker = context.StartWorker(new Dictionary<string, string>
        {
            ["EMAILWORKER__SMTP__SECURITY"] = "None",
            ["EMAILWORKER__SMTP__USERNAME"] = "mailer",
            ["EMAILWORKER__SMTP__PASSWORD"] = "smtp-Pa55-plain-3c4d",
        });

        var exitCode = await worker.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(2), worker.Output);
            Assert.That(worker.Output, Does.Contain("Smtp:AllowPlaintextAuth").And.Contain("EMAILWORKER__SMTP__ALLOWPLAINTEXTAUTH"));
            Assert.That(worker.Output, Does.Not.Contain("smtp-Pa55-plain-3c4d"));
            Assert.That(context.Smtp.Commands, Is.Empty, "it never connected");
        });
    }

    /// <summary>
    /// The relay cannot be used: the breaker opens, keeps probing, and every message stays in the work queue, never sent,
    /// never retried, never dead-lettered.
    /// </summary>
    private static async Task AssertRefusedAsync(WorkerTestContext context, WorkerProcess worker, string prefix)
    {
        Assert.That(await worker.WaitForOutputAsync("SMTP relay unusable, pausing consumption", TimeSpan.FromSeconds(30)), Is.True, worker.Output);
        // Two probes later the picture is the same: the breaker keeps trying and keeps refusing.
        var connections = context.Smtp.ConnectionCount;
        Assert.That(await WorkerTestContext.EventuallyAsync(() => Task.FromResult(context.Smtp.ConnectionCount >= connections + 2), TimeSpan.FromSeconds(30)),
            Is.True, worker.Output);
        QueueCounts? counts = null;
        Assert.That(await WorkerTestContext.EventuallyAsync(async () => (counts = await context.QueueCountsAsync(context.WorkQueue)) is { } c && c.Ready + c.Unacked == Count,
            TimeSpan.FromSeconds(15)), Is.True, $"every message stays in the work queue: {counts}");
        Assert.Multiple(async () =>
        {
            Assert.That(context.Smtp.Messages, Is.Empty);
            Assert.That(context.Smtp.Commands.Where(c => NeverInPlaintext.Contains(c.Verb) && !c.OverTls), Is.Empty, "nothing said in plaintext");
            Assert.That(context.Smtp.Commands.Select(c => c.Verb), Has.None.AnyOf("MAIL", "RCPT", "DATA"));
            Assert.That(await context.BecomesEmptyAsync(context.DeadQueue), Is.True, "a relay the worker cannot use never dead-letters");
        });
        // Never burns a retry: stopped, the worker leaves every message in the work queue with no attempt recorded and
        // nothing in a retry tier (read from the queues, not from the worker's events, which may be dropped).
        await worker.TerminateAsync();
        Assert.That(await worker.WaitForExitAsync(TimeSpan.FromSeconds(40)), Is.Zero, worker.Output);
        var waiting = await QueuePeek.AllAsync(context, context.WaitingQueues());
        Assert.Multiple(() =>
        {
            Assert.That(waiting.Select(m => m.MessageId), Is.EquivalentTo(Enumerable.Range(0, Count).Select(i => $"{prefix}-{i}")),
                "every message back in the work queue, once");
            Assert.That(waiting.Select(m => (m.Header("email-attempt"), m.Header("email-system-returns"))), Has.All.EqualTo(((string?)null, (string?)null)),
                "no attempt recorded, no return counted");
        });
    }

    private static async Task<string[]> PublishAsync(WorkerTestContext context, string prefix)
    {
        var recipients = Enumerable.Range(0, Count).Select(i => $"{prefix}-{i}@example.org").ToArray();
        await context.PublishJsonAsync(Enumerable.Range(0, Count).Select(i => SampleMessages.Simple($"{prefix}-{i}", recipients[i])));
        return recipients;
    }

    /// <summary>The process's system roots: only <paramref name="caFile"/> (an empty certificate directory besides).</summary>
    public static Dictionary<string, string> SystemRoots(string caFile)
    {
        var directory = Directory.CreateTempSubdirectory("emailworker-roots-").FullName;
        return new Dictionary<string, string> { ["SSL_CERT_FILE"] = caFile, ["SSL_CERT_DIR"] = directory };
    }

    private static async Task<WorkerProcess> StartAsync(WorkerTestContext context, string security, string? caFile, Dictionary<string, string>? more = null)
    {
        var environment = new Dictionary<string, string>(more ?? []) { ["EMAILWORKER__SMTP__SECURITY"] = security };
        if (caFile is not null)
            environment["EMAILWORKER__SMTP__TRUSTEDCAFILE"] = caFile;
        var worker = context.StartWorker(environment);
        Assert.That(await worker.WaitForOutputAsync("Worker consuming", TimeSpan.FromSeconds(30)), Is.True, worker.Output);
        return worker;
    }
}
