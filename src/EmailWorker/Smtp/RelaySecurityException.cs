namespace EmailWorker.Smtp;

/// <summary>
/// The relay cannot be used as configured: it offers no STARTTLS though <c>Smtp:Security=StartTls</c> asks for it (there
/// is no plaintext fallback), it offers no login mechanism we speak, or it refused the login. The configuration's or the
/// relay's fault, never the message's.
/// </summary>
internal sealed class RelaySecurityException(string message, Exception? inner = null) : Exception(message, inner);
