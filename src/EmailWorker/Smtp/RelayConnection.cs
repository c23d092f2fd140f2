using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using EmailWorker.Configuration;

namespace EmailWorker.Smtp;

/// <summary>
/// One SMTP connection to the relay, our own client (it replaced MailKit's on the hot path so that a message can go in
/// one round trip, which MailKit's private queue does not allow): connect with implicit TLS, STARTTLS (required when
/// configured — never a plaintext fallback) or none, EHLO, AUTH, NOOP, the breaker's probe, the transaction
/// (<c>RelayConnection.Transaction.cs</c>) and QUIT. Every reply is read bounded (<see cref="SmtpReplyReader"/>) and every
/// round trip within <see cref="RelayEndpoint.RoundTripTimeout"/>. Not safe for concurrent use: the pool lends it to one
/// sender at a time. After any fault the connection is closed (<see cref="Abort"/>) and the next use opens a new one.
/// </summary>
internal sealed partial class RelayConnection(RelayEndpoint endpoint) : IDisposable
{
    /// <summary>More SASL challenges than any mechanism needs: a relay that keeps asking is out of step.</summary>
    private const int MaxLoginSteps = 10;

    private readonly MemoryStream _commandLine = new();
    private Socket? _socket;
    private Stream? _stream;
    private SmtpReplyReader? _reader;

    public bool IsConnected => _stream is not null;

    /// <summary>What the relay offered in its last EHLO reply (after STARTTLS: the one over TLS).</summary>
    public SmtpCapabilities Capabilities { get; private set; } = SmtpCapabilities.None;

    /// <summary>When the connection last did useful work; an idle one is checked with NOOP before it is trusted.</summary>
    public DateTimeOffset LastUsed { get; set; }

    /// <summary>
    /// Connects, reads the greeting, says EHLO, starts TLS as <see cref="RelayEndpoint.Security"/> says and logs in when a
    /// user is configured. On any failure the connection is closed again and the failure thrown.
    /// </summary>
    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        try
        {
            _socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            var greeting = await RoundTripAsync(async token =>
            {
                await _socket.ConnectAsync(endpoint.Host, endpoint.Port, token);
                _stream = new NetworkStream(_socket, ownsSocket: true);
                if (endpoint.Security == SmtpSecurity.SslOnConnect)
                    _stream = await StartTlsAsync(_stream, token);
                _reader = new SmtpReplyReader(_stream);
                return await ReadReplyAsync(token);
            }, cancellationToken);
            if (greeting.Code != 220)
                throw new SmtpCommandRefusedException(SmtpCommand.Session, greeting.Code, greeting.Text);
            await EhloAsync(cancellationToken);
            if (endpoint.Security == SmtpSecurity.StartTls)
                await UpgradeToTlsAsync(cancellationToken);
            if (endpoint.Username is { } user)
                await LogInAsync(user, endpoint.Password ?? "", cancellationToken);
        }
        catch
        {
            Abort();
            throw;
        }
    }

    /// <summary>RFC 3207: STARTTLS, its 220, the handshake on the same socket, then EHLO again over TLS.</summary>
    private async Task UpgradeToTlsAsync(CancellationToken cancellationToken)
    {
        if (!Capabilities.StartTls)
            throw new RelaySecurityException("the relay does not offer STARTTLS, which Smtp:Security=StartTls requires (no plaintext fallback)");
        var reply = await CommandAsync("STARTTLS", cancellationToken);
        if (reply.Code != 220)
            throw new SmtpCommandRefusedException(SmtpCommand.Session, reply.Code, reply.Text);
        // Anything the relay sent after its 220 came before TLS and could be an attacker's reply injected in plaintext.
        if (_reader!.HasUnreadBytes)
            throw new SmtpDialogueException("the relay sent more after its 220 to STARTTLS");
        _stream = await RoundTripAsync(token => StartTlsAsync(_stream!, token), cancellationToken);
        _reader = new SmtpReplyReader(_stream);
        Capabilities = SmtpCapabilities.None;
        await EhloAsync(cancellationToken);
    }

    /// <summary>
    /// The handshake, with the relay's certificate verified in full (chain and host name; <see cref="RelayEndpoint"/>). A
    /// refused certificate is thrown with the reason, so the operator's log says what to fix.
    /// </summary>
    private async Task<Stream> StartTlsAsync(Stream plain, CancellationToken cancellationToken)
    {
        var tls = new SslStream(plain, leaveInnerStreamOpen: false);
        SslPolicyErrors? refused = null;
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = endpoint.Host,
                RemoteCertificateValidationCallback = (sender, certificate, chain, errors) =>
                {
                    var trusted = endpoint.CertificateValidation(sender, certificate, chain, errors);
                    refused = trusted ? null : errors;
                    return trusted;
                },
                // As MailKit did: revocation checked online where the platform's chain is used (the system's roots).
                CertificateRevocationCheckMode = X509RevocationMode.Online,
            }, cancellationToken);
            return tls;
        }
        catch (AuthenticationException ex) when (refused is { } errors)
        {
            await tls.DisposeAsync();
            throw new RelaySecurityException((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0
                ? $"the host name ({endpoint.Host}) did not match the name given in the server's SSL certificate"
                : $"the relay's TLS certificate could not be validated ({errors}): it does not lead to a CA this worker trusts", ex);
        }
        catch
        {
            await tls.DisposeAsync();
            throw;
        }
    }

    /// <summary>EHLO with our address literal; HELO (and no extensions) when the relay does not know EHLO.</summary>
    private async Task EhloAsync(CancellationToken cancellationToken)
    {
        var reply = await CommandAsync($"EHLO {LocalName()}", cancellationToken);
        if (reply.IsPositive)
        {
            Capabilities = SmtpCapabilities.Parse(reply.Text);
            return;
        }
        reply = await CommandAsync($"HELO {LocalName()}", cancellationToken);
        if (!reply.IsPositive)
            throw new SmtpCommandRefusedException(SmtpCommand.Session, reply.Code, reply.Text);
        Capabilities = SmtpCapabilities.None;
    }

    /// <summary>RFC 5321 §4.1.4: an address literal of our end of the connection when we have no name to give.</summary>
    private string LocalName() => _socket?.LocalEndPoint switch
    {
        IPEndPoint { AddressFamily: AddressFamily.InterNetworkV6 } v6 => $"[IPv6:{v6.Address}]",
        IPEndPoint v4 => $"[{v4.Address}]",
        _ => "[127.0.0.1]",
    };
}
