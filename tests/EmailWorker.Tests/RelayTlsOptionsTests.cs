using EmailWorker.Configuration;
using EmailWorker.TestSupport;

namespace EmailWorker.Tests;

/// <summary>Smtp:AllowPlaintextAuth and Smtp:TrustedCaFile are checked at start-up, naming the key and its variable.</summary>
[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
public sealed class RelayTlsOptionsTests
{
    private static string? Failure(SmtpOptions options) => new SmtpOptionsValidator().Validate(null, options).FailureMessage;

    [Test]
    public void Should_refuse_a_login_over_a_connection_without_tls() =>
        Assert.That(Failure(new SmtpOptions { Host = "h", Username = "mailer", Password = "p" }),
            Does.Contain("Smtp:AllowPlaintextAuth").And.Contain("EMAILWORKER__SMTP__ALLOWPLAINTEXTAUTH").And.Contain("clear text"));

    [TestCase("None", true)]
    [TestCase("StartTls", false)]
    [TestCase("SslOnConnect", false)]
    public void Should_accept_a_login_over_tls_or_when_plaintext_is_allowed(string security, bool allowPlaintext) =>
        Assert.That(Failure(new SmtpOptions { Host = "h", Security = security, Username = "mailer", Password = "p", AllowPlaintextAuth = allowPlaintext }), Is.Null);

    [Test]
    public void Should_report_only_the_unknown_mode_when_the_mode_is_misspelt() =>
        Assert.That(Failure(new SmtpOptions { Host = "h", Security = "Sometimes", Username = "mailer" }),
            Does.Contain("Smtp:Security").And.Not.Contain("AllowPlaintextAuth"));

    [Test]
    public void Should_refuse_a_missing_ca_file_naming_the_key() =>
        Assert.That(Failure(new SmtpOptions { Host = "h", Security = "StartTls", TrustedCaFile = "/nonexistent/ca.pem" }),
            Does.Contain("Smtp:TrustedCaFile").And.Contain("does not exist").And.Contain("EMAILWORKER__SMTP__TRUSTEDCAFILE"));

    [Test]
    public void Should_refuse_a_ca_file_without_a_certificate_and_a_ca_file_without_tls()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "not a certificate\n");
            Assert.Multiple(() =>
            {
                Assert.That(Failure(new SmtpOptions { Host = "h", Security = "StartTls", TrustedCaFile = path }),
                    Does.Contain("Smtp:TrustedCaFile").And.Contain("holds no certificate"));
                Assert.That(Failure(new SmtpOptions { Host = "h", Security = "None", TrustedCaFile = path }),
                    Does.Contain("Smtp:TrustedCaFile is set while Security is None"));
            });
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void Should_accept_a_pem_ca_file()
    {
        var path = Path.GetTempFileName();
        try
        {
            using var ca = TestCertificateAuthority.Create();
            ca.WriteCaPem(path);
            Assert.That(Failure(new SmtpOptions { Host = "h", Security = "SslOnConnect", TrustedCaFile = path }), Is.Null);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
