using System.Net;

namespace EmailWorker.Smtp;

/// <summary>The commands outside a transaction (AUTH, NOOP, the probe, QUIT) and the one way every round trip goes.</summary>
internal sealed partial class RelayConnection
{
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
