using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace EmailWorker.Publisher.Connection;

/// <summary>
/// How a broker's certificate (AMQP or the management API) is verified: with the system's roots, or — when a CA file is
/// configured — against that CA alone (<see cref="X509ChainTrustMode.CustomRootTrust"/>). The host name must match in both
/// cases. Nothing here accepts a certificate that fails verification.
/// </summary>
public static class CertificateTrust
{
    public static RemoteCertificateValidationCallback Validator(string caFile)
    {
        if (caFile.Length == 0)
            return static (_, _, _, errors) => errors == SslPolicyErrors.None;
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(caFile);
        if (roots.Count == 0)
            throw new InvalidOperationException($"'{caFile}' holds no PEM certificate");
        return (_, certificate, chain, errors) =>
        {
            // A missing certificate or a name mismatch is never excused; only chain errors are re-judged, against our CA.
            if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
                return false;
            using var custom = new X509Chain();
            custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            custom.ChainPolicy.CustomTrustStore.AddRange(roots);
            // A private CA rarely publishes revocation lists, and brokers sit on networks that cannot fetch them.
            custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (chain is not null)
            {
                foreach (var element in chain.ChainElements)
                    custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
            using var presented = new X509Certificate2(certificate);
            return custom.Build(presented);
        };
    }

    public static X509Certificate2 LoadClientCertificate(string file, string password) =>
        X509CertificateLoader.LoadPkcs12FromFile(file, password.Length > 0 ? password : null);
}
