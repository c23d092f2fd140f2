using EmailWorker.SmtpSink;
using EmailWorker.TestSupport;
using MailKit.Security;

namespace EmailWorker.Tests.SmtpSink;

[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
public sealed class When_the_sink_speaks_tls
{
    private TestCertificateAuthority _ca = null!;

    [OneTimeSetUp]
    public void CreateAuthority() => _ca = TestCertificateAuthority.Create();

    [OneTimeTearDown]
    public void DisposeAuthority() => _ca.Dispose();

    [Test]
    public async Task Should_upgrade_with_starttls_and_take_the_mail_over_tls()
    {
        await using var server = Started(new ScriptedSmtpServer { Certificate = _ca.IssueServerCertificate() });

        using (var client = await SinkClient.ConnectAsync(server, SecureSocketOptions.StartTls, _ca))
        {
            Assert.That(client.IsSecure, Is.True);
            await SinkClient.SendAsync(client);
        }

        Assert.Multiple(() =>
        {
            Assert.That(server.Messages, Has.Count.EqualTo(1));
            Assert.That(server.Commands.TakeWhile(c => !c.OverTls).Select(c => c.Verb), Is.EqualTo(new[] { "EHLO", "STARTTLS" }), "only the greeting dialogue is in plaintext");
            Assert.That(server.Commands.Where(c => c.Verb is "MAIL" or "RCPT" or "DATA"), Is.All.Matches<ReceivedCommand>(c => c.OverTls));
        });
    }

    [Test]
    public async Task Should_speak_tls_from_the_first_byte_when_implicit()
    {
        await using var server = Started(new ScriptedSmtpServer { Certificate = _ca.IssueServerCertificate(), ImplicitTls = true });

        using (var client = await SinkClient.ConnectAsync(server, SecureSocketOptions.SslOnConnect, _ca))
            await SinkClient.SendAsync(client);

        Assert.Multiple(() =>
        {
            Assert.That(server.Messages, Has.Count.EqualTo(1));
            Assert.That(server.Commands, Is.Not.Empty.And.All.Matches<ReceivedCommand>(c => c.OverTls));
            Assert.That(server.Commands.Select(c => c.Verb), Does.Not.Contain("STARTTLS"), "STARTTLS is not offered on a TLS connection");
        });
    }

    [Test]
    public async Task Should_not_offer_starttls_without_a_certificate_so_a_client_that_requires_it_sends_nothing()
    {
        await using var server = Started(new ScriptedSmtpServer());
        using var client = SinkClient.Create(_ca);

        Assert.ThrowsAsync<NotSupportedException>(() => client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.StartTls));

        Assert.That(server.Commands.Select(c => c.Verb), Is.EqualTo(new[] { "EHLO" }), "MailKit gives up after EHLO: no MAIL FROM in plaintext");
    }

    [Test]
    public async Task Should_be_refused_by_a_client_that_does_not_trust_its_ca()
    {
        using var otherCa = TestCertificateAuthority.Create("Some other CA");
        await using var server = Started(new ScriptedSmtpServer { Certificate = _ca.IssueServerCertificate() });
        using var client = SinkClient.Create(otherCa);

        Assert.ThrowsAsync<SslHandshakeException>(() => client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.StartTls));

        Assert.That(server.Commands.Select(c => c.Verb), Has.None.EqualTo("MAIL"));
    }

    [Test]
    public async Task Should_be_refused_when_the_certificate_names_another_host_even_from_a_trusted_ca()
    {
        await using var server = Started(new ScriptedSmtpServer { Certificate = _ca.IssueServerCertificate("relay.example.net") });
        using var client = SinkClient.Create(_ca);

        Assert.ThrowsAsync<SslHandshakeException>(() => client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.SslOnConnect));
    }

    [Test]
    public void Should_write_the_ca_as_pem_without_its_key()
    {
        var path = Path.Combine(Path.GetTempPath(), $"test-ca-{Guid.NewGuid():N}.pem");
        try
        {
            _ca.WriteCaPem(path);
            var text = File.ReadAllText(path);
            var collection = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
            collection.ImportFromPemFile(path);

            Assert.Multiple(() =>
            {
                Assert.That(text, Does.StartWith("-----BEGIN CERTIFICATE-----").And.Not.Contain("PRIVATE KEY"));
                Assert.That(collection.Single().Thumbprint, Is.EqualTo(_ca.Certificate.Thumbprint));
            });
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static ScriptedSmtpServer Started(ScriptedSmtpServer server)
    {
        server.Start();
        return server;
    }
}
