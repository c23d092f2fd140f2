using System.Net;
using MailKit.Security;

namespace EmailWorker.Smtp;

/// <summary>
/// The login mechanism for AUTH: the strongest of those this worker speaks that the relay offers, its tokens computed by
/// MailKit's SASL classes (the only part of MailKit's SMTP stack the worker still uses).
/// </summary>
internal static class SaslChoice
{
    /// <summary>Strongest first: SCRAM never sends the password; PLAIN and LOGIN do, which is why AUTH needs TLS.</summary>
    public static readonly IReadOnlyList<string> Known = ["SCRAM-SHA-256", "PLAIN", "LOGIN"];

    public static SaslMechanism? For(IReadOnlySet<string> offered, NetworkCredential credentials) =>
        Known.FirstOrDefault(offered.Contains) switch
        {
            "SCRAM-SHA-256" => new SaslMechanismScramSha256(credentials),
            "PLAIN" => new SaslMechanismPlain(credentials),
            "LOGIN" => new SaslMechanismLogin(credentials),
            _ => null,
        };
}
