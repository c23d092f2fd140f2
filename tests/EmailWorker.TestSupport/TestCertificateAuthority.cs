using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EmailWorker.TestSupport;

/// <summary>
/// A throwaway certificate authority made at test time, and server certificates it signs: lets tests run real TLS with
/// full verification (the client trusts this CA, nothing else) instead of accepting any certificate. Nothing is written
/// to a certificate store; <see cref="WriteCaPem"/> gives the CA to a client as a PEM file. The one test CA of the repository:
/// the scripted SMTP server's certificates and the broker's TLS files (<see cref="BrokerTlsFiles"/>) both come from here.
/// </summary>
public sealed class TestCertificateAuthority : IDisposable
{
    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");

    private TestCertificateAuthority(X509Certificate2 certificate) => Certificate = certificate;

    /// <summary>The CA's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    public static TestCertificateAuthority Create(string name = "EmailWorker test CA")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = DateTimeOffset.UtcNow;
        using var selfSigned = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(2));
        return new TestCertificateAuthority(Reloaded(selfSigned));
    }

    /// <summary>
    /// A server certificate signed by this CA, with its private key, for the given names (default: 127.0.0.1 and
    /// localhost, where the tests' relay listens).
    /// </summary>
    public X509Certificate2 IssueServerCertificate(params string[] names)
    {
        if (names.Length == 0)
            names = ["127.0.0.1", "localhost"];
        return Issue(names, ServerAuthentication);
    }

    /// <summary>A client certificate signed by this CA, with its private key, e.g. for AMQP over TLS with <c>verify_peer</c>.</summary>
    public X509Certificate2 IssueClientCertificate(string name) => Issue([name], ClientAuthentication);

    private X509Certificate2 Issue(string[] names, Oid usage)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={names[0]}", key, HashAlgorithmName.SHA256);
        var alternativeNames = new SubjectAlternativeNameBuilder();
        foreach (var name in names)
        {
            if (IPAddress.TryParse(name, out var address))
                alternativeNames.AddIpAddress(address);
            else
                alternativeNames.AddDnsName(name);
        }
        request.CertificateExtensions.Add(alternativeNames.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([usage], critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        var now = DateTimeOffset.UtcNow;
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        // Inside the CA's own validity (a certificate may not outlive its issuer).
        var notAfter = new DateTimeOffset(Certificate.NotAfter.ToUniversalTime()).AddMinutes(-1);
        using var issued = request.Create(Certificate, now.AddMinutes(-5), notAfter < now.AddDays(1) ? notAfter : now.AddDays(1), serial);
        using var withKey = issued.CopyWithPrivateKey(key);
        return Reloaded(withKey);
    }

    /// <summary>The CA certificate (without its key) as PEM text.</summary>
    public string CaPem => Certificate.ExportCertificatePem();

    /// <summary>Writes the CA certificate (without its key) to <paramref name="path"/> as PEM, for a client to trust.</summary>
    public void WriteCaPem(string path) => File.WriteAllText(path, CaPem);

    // A round trip through PKCS#12 gives a certificate whose private key SslStream can use on every platform; exportable,
    // so the broker's key file can be written from it.
    private static X509Certificate2 Reloaded(X509Certificate2 certificate) =>
        X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), password: null, X509KeyStorageFlags.Exportable);

    public void Dispose() => Certificate.Dispose();
}
