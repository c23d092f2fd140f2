using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EmailWorker.Delivery;

/// <summary>
/// Trusts the relay's certificate when the system trusts it, or when its chain ends at a CA from <c>Smtp:TrustedCaFile</c>
/// (a private CA, e.g. a company's or a test's). Never "accept any": the host name must match, the chain is built in full
/// to one of those CAs, and the certificate must be valid now and meant for servers. Revocation is not checked on chains
/// that end at a configured CA: a private CA rarely publishes revocation lists, and an unreachable list would refuse every
/// connection; chains to public CAs keep MailKit's revocation check.
/// </summary>
internal sealed class RelayCertificateTrust(X509Certificate2Collection authorities)
{
    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");

    /// <summary>The validation callback for MailKit, or null to keep MailKit's own (system trust only) when no CA file is configured.</summary>
    public static RemoteCertificateValidationCallback? CallbackFor(string? trustedCaFile)
    {
        if (string.IsNullOrEmpty(trustedCaFile))
            return null;
        // Options validation has read the file already; failing here means it changed since start-up.
        if (!TryLoad(trustedCaFile, out var authorities, out var problem))
            throw new InvalidOperationException($"Smtp:TrustedCaFile '{trustedCaFile}': {problem}");
        return new RelayCertificateTrust(authorities).Validate;
    }

    /// <summary>Reads the PEM certificates of <paramref name="path"/>; false with a reason an operator can act on.</summary>
    public static bool TryLoad(string path, out X509Certificate2Collection authorities, out string problem)
    {
        authorities = [];
        problem = "";
        if (!File.Exists(path))
        {
            problem = "does not exist: name a PEM file with the CA certificate(s) that signed the relay's certificate";
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

    public bool Validate(object sender, System.Security.Cryptography.X509Certificates.X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
            return true;
        // A wrong host name or a missing certificate is never forgiven; only an unknown root may be one of ours.
        if (certificate is null || errors != SslPolicyErrors.RemoteCertificateChainErrors)
            return false;
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.NoFlag;
        chain.ChainPolicy.ApplicationPolicy.Add(ServerAuthentication);
        // Intermediates the relay sent along; the root must still be one of the configured CAs.
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        }
        return chain.Build(leaf);
    }
}
