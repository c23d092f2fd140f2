using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using EmailWorker.Publisher.Connection;
using EmailWorker.TestSupport;

namespace EmailWorker.Tests;

/// <summary>
/// A configured CA file means that CA only: what the platform says about the chain (<see cref="SslPolicyErrors.None"/>
/// for a chain to any system root) must not let another CA's certificate through. The callback is called as SslStream
/// calls it, with the platform's verdict.
/// </summary>
[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
public sealed class CertificateTrustTests
{
    private TestCertificateAuthority _ca = null!;
    private TestCertificateAuthority _systemCa = null!;
    private string _caFile = null!;

    [OneTimeSetUp]
    public void CreateAuthorities()
    {
        _ca = TestCertificateAuthority.Create();
        _systemCa = TestCertificateAuthority.Create("A CA the system trusts");
        _caFile = Path.Combine(Path.GetTempPath(), $"emailworker-trust-ca-{Guid.NewGuid():N}.pem");
        _ca.WriteCaPem(_caFile);
    }

    [OneTimeTearDown]
    public void DeleteAuthorities()
    {
        File.Delete(_caFile);
        _ca.Dispose();
        _systemCa.Dispose();
    }

    [Test]
    public void Should_refuse_a_certificate_of_another_ca_that_the_system_trusts()
    {
        using var certificate = _systemCa.IssueServerCertificate();
        Assert.That(Validate(certificate, SslPolicyErrors.None), Is.False, "the platform trusted it; the CA file does not");
    }

    [TestCase(SslPolicyErrors.None)]
    [TestCase(SslPolicyErrors.RemoteCertificateChainErrors)]
    public void Should_accept_a_certificate_of_the_named_ca(SslPolicyErrors platform)
    {
        using var certificate = _ca.IssueServerCertificate();
        Assert.That(Validate(certificate, platform), Is.True);
    }

    [Test]
    public void Should_refuse_a_certificate_of_the_named_ca_under_another_name()
    {
        using var certificate = _ca.IssueServerCertificate();
        Assert.That(Validate(certificate, SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateChainErrors), Is.False);
    }

    private bool Validate(X509Certificate2 certificate, SslPolicyErrors platform)
    {
        using var chain = new X509Chain();
        return CertificateTrust.Validator(_caFile)(this, certificate, chain, platform);
    }
}
