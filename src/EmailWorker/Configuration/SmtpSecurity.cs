namespace EmailWorker.Configuration;

/// <summary>How the SMTP connection is secured. There is deliberately no opportunistic mode that could fall back to plaintext.</summary>
internal enum SmtpSecurity
{
    None,
    StartTls,
    SslOnConnect,
}
