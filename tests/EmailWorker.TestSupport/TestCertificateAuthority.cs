using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EmailWorker.TestSupport;

/// <summary>
/// A certificate authority made for one test run, with a server certificate for <c>localhost</c>/<c>127.0.0.1</c> and a client
/// certificate it signed, written as PEM (for the broker) and PKCS#12 (for .NET clients) into a folder. Tests verify the
/// broker against this CA; nothing accepts an unverified certificate.
/// </summary>
public sealed class TestCertificateAuthority
{
    private TestCertificateAuthority(string directory) => Directory = directory;

    public string Directory { get; }

    public string CaFile => Path.Combine(Directory, "ca.pem");

    public string ServerCertificateFile => Path.Combine(Directory, "server.pem");

    public string ServerKeyFile => Path.Combine(Directory, "server-key.pem");

    public string ClientCertificateFile => Path.Combine(Directory, "client.p12");

    public string ClientCertificatePassword { get; } = "client-p12-" + Guid.NewGuid().ToString("N")[..8];

    public static TestCertificateAuthority Create(string directory, string name)
    {
        System.IO.Directory.CreateDirectory(directory);
        var authority = new TestCertificateAuthority(directory);
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest($"CN={name} test CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        var now = DateTimeOffset.UtcNow.AddMinutes(-5);
        using var ca = caRequest.CreateSelfSigned(now, now.AddDays(2));
        File.WriteAllText(authority.CaFile, ca.ExportCertificatePem());

        using var serverKey = RSA.Create(2048);
        var serverRequest = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var server = serverRequest.Create(ca, now, now.AddDays(1), RandomSerial());
        File.WriteAllText(authority.ServerCertificateFile, server.ExportCertificatePem());
        File.WriteAllText(authority.ServerKeyFile, serverKey.ExportPkcs8PrivateKeyPem());

        using var clientKey = RSA.Create(2048);
        var clientRequest = new CertificateRequest("CN=emailworker-test-client", clientKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        clientRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var client = clientRequest.Create(ca, now, now.AddDays(1), RandomSerial());
        using var clientWithKey = client.CopyWithPrivateKey(clientKey);
        File.WriteAllBytes(authority.ClientCertificateFile, clientWithKey.Export(X509ContentType.Pkcs12, authority.ClientCertificatePassword));
        return authority;
    }

    private static byte[] RandomSerial() => RandomNumberGenerator.GetBytes(16);
}
