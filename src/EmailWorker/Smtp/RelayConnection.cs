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

    /// <summary>
    /// AUTH with the strongest mechanism both sides know, its tokens computed by MailKit's SASL classes. Only over TLS
    /// unless <c>Smtp:AllowPlaintextAuth</c> (options validation refuses a user with <c>Security=None</c> otherwise).
    /// </summary>
    private async Task LogInAsync(string user, string password, CancellationToken cancellationToken)
    {
        var sasl = SaslChoice.For(Capabilities.AuthMechanisms, new NetworkCredential(user, password))
            ?? throw new RelaySecurityException(Capabilities.AuthMechanisms.Count == 0
                ? "the relay offers no AUTH, but Smtp:Username is set"
                : $"the relay offers none of the login mechanisms this worker speaks ({string.Join(", ", SaslChoice.Known)}): {string.Join(", ", Capabilities.AuthMechanisms)}");
        var command = $"AUTH {sasl.MechanismName}";
        if (sasl.SupportsInitialResponse)
            command += " " + await sasl.ChallengeAsync(null, cancellationToken);
        var reply = await CommandAsync(command, cancellationToken);
        for (var step = 0; reply.Code == 334 && step < MaxLoginSteps; step++)
            reply = await CommandAsync(await sasl.ChallengeAsync(reply.Text, cancellationToken), cancellationToken);
        if (reply.Code != 235)
            throw new RelaySecurityException($"the relay refused the login: {reply}");
    }

    /// <summary>Proves an idle connection still works (relays drop idle ones without the client noticing).</summary>
    public async Task NoOpAsync(CancellationToken cancellationToken)
    {
        var reply = await CommandAsync("NOOP", cancellationToken);
        if (!reply.IsPositive)
            throw new SmtpCommandRefusedException(SmtpCommand.Session, reply.Code, reply.Text);
    }

    /// <summary>
    /// The breaker's probe: starts a transaction and abandons it (MAIL FROM, RSET) — proves the relay would take mail from
    /// this sender, which a bare NOOP does not. The null sender when <paramref name="sender"/> is null.
    /// </summary>
    public async Task ProbeTransactionAsync(string? sender, CancellationToken cancellationToken)
    {
        var reply = await CommandAsync(SmtpFlightWriter.MailFrom(sender ?? "", size: null, eightBit: false, smtpUtf8: false), cancellationToken);
        if (!reply.IsPositive)
            throw new SmtpCommandRefusedException(SmtpCommand.MailFrom, reply.Code, reply.Text);
        await CommandAsync("RSET", cancellationToken);
    }

    /// <summary>QUIT and close; a relay that does not answer within the round-trip bound is closed on anyway.</summary>
    public async Task QuitAsync(CancellationToken cancellationToken)
    {
        try
        {
            await CommandAsync("QUIT", cancellationToken);
        }
        finally
        {
            Abort();
        }
    }

    /// <summary>Closes the connection without QUIT (after a fault, or when the dialogue is in an unknown state).</summary>
    public void Abort()
    {
        var (stream, socket) = (_stream, _socket);
        (_stream, _socket, _reader) = (null, null, null);
        Capabilities = SmtpCapabilities.None;
        stream?.Dispose();
        socket?.Dispose();
    }

    public void Dispose() => Abort();

    /// <summary>One command and its reply: one round trip.</summary>
    private async Task<SmtpReply> CommandAsync(string command, CancellationToken cancellationToken)
    {
        _commandLine.SetLength(0);
        SmtpFlightWriter.Command(_commandLine, command);
        return await RoundTripAsync(async token =>
        {
            await WriteAsync(_commandLine, token);
            return await ReadReplyAsync(token);
        }, cancellationToken);
    }

    /// <summary>
    /// The next reply. A 421 closes the connection (RFC 5321 §3.8: the relay is going away and has abandoned any
    /// transaction) and is thrown as <see cref="RelayClosingException"/> with its text.
    /// </summary>
    private async Task<SmtpReply> ReadReplyAsync(CancellationToken cancellationToken)
    {
        var reply = await (_reader ?? throw new IOException("the connection to the relay is closed")).ReadAsync(cancellationToken);
        if (reply.Code == SmtpReply.ServiceClosing)
        {
            BodyStarted = false;
            Abort();
            throw new RelayClosingException(reply.Code, reply.Text);
        }
        return reply;
    }

    private Stream Connected => _stream ?? throw new IOException("the connection to the relay is closed");

    private async Task WriteAsync(MemoryStream buffer, CancellationToken cancellationToken) =>
        await Connected.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancellationToken);

    /// <summary>
    /// One round trip within <see cref="RelayEndpoint.RoundTripTimeout"/>; the bound running out (not the caller's token)
    /// is a lost connection, as a socket timeout was.
    /// </summary>
    private async Task<T> RoundTripAsync<T>(Func<CancellationToken, Task<T>> roundTrip, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(endpoint.RoundTripTimeout);
        try
        {
            return await roundTrip(bounded.Token);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new IOException($"the relay did not answer within {endpoint.RoundTripTimeout.TotalSeconds:0.#} s", ex);
        }
    }
}
