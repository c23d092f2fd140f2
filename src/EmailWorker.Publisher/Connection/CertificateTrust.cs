using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EmailWorker.Publisher.Connection;

/// <summary>
/// How a server's certificate (the broker's for AMQP and the management API, the SMTP relay's) is verified: with the
/// system's roots, or — when a CA file is configured — against that CA only (<see cref="X509ChainTrustMode.CustomRootTrust"/>:
/// a chain to a system root is not enough, since naming a CA says who may vouch for the server). The host name must match
/// in both cases and the certificate must be meant for servers. Nothing here accepts a certificate that fails
/// verification. The one place this decision is made.
/// </summary>
public static class CertificateTrust
{
    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");

    public static RemoteCertificateValidationCallback Validator(string caFile)
    {
        if (caFile.Length == 0)
            return static (_, _, _, errors) => errors == SslPolicyErrors.None;
        // Options validation has read the file already; failing here means it changed since start-up.
        if (!TryLoadAuthorities(caFile, out var roots, out var problem))
            throw new InvalidOperationException($"'{caFile}' {problem}");
        return (_, certificate, chain, errors) =>
        {
            // A missing certificate or a name mismatch is never excused. The platform's chain (to the system's roots) is
            // not asked: whatever it said, the chain must lead to our CA.
            if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
                return false;
            using var custom = new X509Chain();
            custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            custom.ChainPolicy.CustomTrustStore.AddRange(roots);
            custom.ChainPolicy.ApplicationPolicy.Add(ServerAuthentication);
            // A private CA rarely publishes revocation lists, and servers sit on networks that cannot fetch them;
            // without a CA file, chains to the system's roots keep the platform's own revocation check.
            custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (chain is not null)
            {
                foreach (var element in chain.ChainElements)
                    custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
            using var presented = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            return custom.Build(presented);
        };
    }

    /// <summary>Reads the PEM certificates of <paramref name="path"/>; false with a reason an operator can act on.</summary>
    public static bool TryLoadAuthorities(string path, out X509Certificate2Collection authorities, out string problem)
    {
        authorities = [];
        problem = "";
        if (!File.Exists(path))
        {
            problem = "does not exist: name a PEM file with the CA certificate(s) that signed the server's certificate";
            return false;
        }
        try
        {
            authorities.ImportFromPemFile(path);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            problem = $"cannot be read as PEM certificates ({ex.Message})";
            return false;
        }
        if (authorities.Count == 0)
            problem = "holds no certificate: it must contain at least one -----BEGIN CERTIFICATE----- block";
        return authorities.Count > 0;
    }

    public static X509Certificate2 LoadClientCertificate(string file, string password) =>
        X509CertificateLoader.LoadPkcs12FromFile(file, password.Length > 0 ? password : null);
}
