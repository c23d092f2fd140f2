using System.Net.Security;
using EmailWorker.Configuration;
using EmailWorker.Publisher.Connection;

namespace EmailWorker.Smtp;

/// <summary>
/// Where and how a <see cref="RelayConnection"/> reaches its relay: host and port, how the connection is secured (never
/// less than <see cref="Security"/> says), how the relay's certificate is verified, the login, and the bound on one
/// round trip. A class, not a record: a record's ToString would print the password.
/// </summary>
internal sealed class RelayEndpoint(string host, int port, SmtpSecurity security, RemoteCertificateValidationCallback certificateValidation,
    TimeSpan roundTripTimeout, string? username, string? password)
{
    public string Host { get; } = host;

    public int Port { get; } = port;

    public SmtpSecurity Security { get; } = security;

    public RemoteCertificateValidationCallback CertificateValidation { get; } = certificateValidation;

    /// <summary><c>Smtp:Timeout</c>: one command and its reply, or one flight and all of its replies.</summary>
    public TimeSpan RoundTripTimeout { get; } = roundTripTimeout;

    public string? Username { get; } = username;

    public string? Password { get; } = password;

    /// <summary>
    /// From <c>Smtp:*</c>: the certificate verified with the system's roots, or against <c>Smtp:TrustedCaFile</c> only
    /// (<see cref="CertificateTrust"/>); the host name always.
    /// </summary>
    public static RelayEndpoint From(SmtpOptions options) => new(options.Host, options.Port, options.SecurityMode,
        CertificateTrust.Validator(options.TrustedCaFile ?? ""), options.TimeoutValue,
        string.IsNullOrEmpty(options.Username) ? null : options.Username, options.Password);
}
