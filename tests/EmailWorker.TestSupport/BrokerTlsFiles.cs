using System.Security.Cryptography.X509Certificates;

namespace EmailWorker.TestSupport;

/// <summary>
/// What a broker with TLS and a .NET client need from a <see cref="TestCertificateAuthority"/>, as files in a folder: the
/// CA (PEM), a server certificate for <c>localhost</c>/<c>127.0.0.1</c> and its key (PEM, for the broker) and a client
/// certificate (PKCS#12 with a password, for .NET clients). Tests verify the broker against this CA; nothing accepts an
/// unverified certificate.
/// </summary>
public sealed class BrokerTlsFiles
{
    private BrokerTlsFiles(string directory) => Directory = directory;

    public string Directory { get; }

    public string CaFile => Path.Combine(Directory, "ca.pem");

    public string ServerCertificateFile => Path.Combine(Directory, "server.pem");

    public string ServerKeyFile => Path.Combine(Directory, "server-key.pem");

    public string ClientCertificateFile => Path.Combine(Directory, "client.p12");

    public string ClientCertificatePassword { get; } = "client-p12-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Makes a new CA named <paramref name="name"/> and writes its files into <paramref name="directory"/>.</summary>
    public static BrokerTlsFiles Create(string directory, string name)
    {
        System.IO.Directory.CreateDirectory(directory);
        var files = new BrokerTlsFiles(directory);
        using var authority = TestCertificateAuthority.Create($"{name} test CA");
        authority.WriteCaPem(files.CaFile);
        using var server = authority.IssueServerCertificate("localhost", "127.0.0.1");
        File.WriteAllText(files.ServerCertificateFile, server.ExportCertificatePem());
        using (var key = server.GetECDsaPrivateKey() ?? throw new InvalidOperationException("the server certificate has no EC key"))
            File.WriteAllText(files.ServerKeyFile, key.ExportPkcs8PrivateKeyPem());
        using var client = authority.IssueClientCertificate("emailworker-test-client");
        File.WriteAllBytes(files.ClientCertificateFile, client.Export(X509ContentType.Pkcs12, files.ClientCertificatePassword));
        return files;
    }
}
