using System.Globalization;
using System.Net.Security;
using System.Text;

namespace EmailWorker.SmtpSink;

/// <summary>
/// One SMTP conversation: EHLO/HELO, STARTTLS, AUTH, MAIL, RCPT, DATA, BDAT, RSET, NOOP, QUIT, with replies from the script.
/// <paramref name="stream"/> is already TLS when the server uses implicit TLS.
/// </summary>
internal sealed partial class SmtpSession(Stream stream, bool overTls, ScriptedSmtpServer server) : IAsyncDisposable
{
    private const string MessageTooBig = "5.3.4 Message size exceeds fixed maximum message size";
    private readonly SmtpScript _script = server.Script;
    private readonly List<string> _recipients = [];
    private LineStream _lines = new(stream, server.RecordFlight);
    private bool _overTls = overTls;
    private SslStream? _startedTls;
    private string? _mailFrom;
    private bool _admitted;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        _admitted = server.Limits.TryAdmit();
        try
        {
            await ConverseAsync(cancellationToken);
            // The replies held for a pipelined flight leave before the connection closes, even when a fault closes it.
            await _lines.FlushAsync(cancellationToken);
        }
        finally
        {
            if (_admitted)
                server.Limits.Leave();
        }
    }

    private async Task ConverseAsync(CancellationToken cancellationToken)
    {
        var refuseAtEhlo = !_admitted && server.Limits.RefuseConnectionsAt == ConnectionRefusalStage.Ehlo;
        if (!_admitted && !refuseAtEhlo)
        {
            await ReplyAsync(server.Limits.ConnectionReply with { ThenDisconnect = true }, cancellationToken);
            return;
        }
        if (!await ReplyAsync(_script.OnConnect() ?? new SmtpReply(220, "localhost ESMTP scripted sink"), cancellationToken))
            return;
        while (await _lines.ReadLineAsync(cancellationToken) is { } raw)
        {
            var line = Encoding.ASCII.GetString(raw);
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var verb = (space < 0 ? line : line[..space]).ToUpperInvariant();
            var argument = space < 0 ? "" : line[(space + 1)..];
            server.RecordCommand(verb, _overTls);
            if (refuseAtEhlo && verb is "EHLO" or "HELO")
            {
                await ReplyAsync(server.Limits.ConnectionReply with { ThenDisconnect = true }, cancellationToken);
                return;
            }
            // A BDAT chunk follows its command line whatever the reply: it is read before any scripted reply.
            var keepGoing = verb == "BDAT" ? await BdatAsync(argument, cancellationToken) : _script.OnCommand(verb, _recipients) is { } scripted ? await ReplyAsync(scripted, cancellationToken) : verb switch
            {
                "EHLO" => await EhloAsync(cancellationToken),
                "HELO" => await ReplyAsync(new SmtpReply(250, "localhost"), cancellationToken),
                "STARTTLS" => await StartTlsAsync(cancellationToken),
                "AUTH" => await AuthAsync(argument, cancellationToken),
                "MAIL" => await MailAsync(argument, cancellationToken),
                "RCPT" => await RcptAsync(argument, cancellationToken),
                "DATA" => await DataAsync(cancellationToken),
                "RSET" => Reset() && await ReplyAsync(SmtpReply.Ok, cancellationToken),
                "NOOP" => await ReplyAsync(SmtpReply.Ok, cancellationToken),
                "QUIT" => await ReplyAsync(new SmtpReply(221, "2.0.0 Bye"), cancellationToken) && false,
                _ => await ReplyAsync(new SmtpReply(502, "5.5.2 Command not recognized"), cancellationToken),
            };
            if (!keepGoing)
                return;
        }
    }

    private bool OffersStartTls => server.Certificate is not null && !_overTls;

    private async Task<bool> EhloAsync(CancellationToken cancellationToken)
    {
        Reset();
        var extensions = new List<string> { "localhost" };
        if (server.Pipelining)
            extensions.Add("PIPELINING");
        extensions.Add("8BITMIME");
        if (server.Chunking)
            extensions.Add("CHUNKING");
        if (_script.MaxMessageSize is { } max)
            extensions.Add(string.Create(CultureInfo.InvariantCulture, $"SIZE {max}"));
        if (OffersStartTls)
            extensions.Add("STARTTLS");
        if (_script.Credentials is not null)
            extensions.Add("AUTH PLAIN LOGIN");
        extensions.Add("SMTPUTF8");
        var reply = new StringBuilder();
        for (var i = 0; i < extensions.Count; i++)
            reply.Append(i < extensions.Count - 1 ? "250-" : "250 ").Append(extensions[i]).Append("\r\n");
        await DelayAsync(cancellationToken);
        await _lines.WriteRawAsync(reply.ToString(), cancellationToken);
        return true;
    }

    /// <summary>
    /// RFC 3207: 220, then the TLS handshake on the same socket; anything the client sent before the handshake is
    /// discarded and the session starts over (a new EHLO is needed).
    /// </summary>
    private async Task<bool> StartTlsAsync(CancellationToken cancellationToken)
    {
        if (!OffersStartTls)
            return await ReplyAsync(new SmtpReply(_overTls ? 503 : 454, _overTls ? "5.5.1 TLS already active" : "4.7.0 TLS not available"), cancellationToken);
        if (!await ReplyAsync(new SmtpReply(220, "2.0.0 Ready to start TLS"), cancellationToken))
            return false;
        await _lines.FlushAsync(cancellationToken);
        _startedTls = new SslStream(stream, leaveInnerStreamOpen: true);
        await _startedTls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = server.Certificate }, cancellationToken);
        _lines = new LineStream(_startedTls, server.RecordFlight);
        _overTls = true;
        Reset();
        return true;
    }

    private async Task<bool> AuthAsync(string argument, CancellationToken cancellationToken)
    {
        var parts = argument.Split(' ', 2);
        string user, password;
        if (parts[0].Equals("PLAIN", StringComparison.OrdinalIgnoreCase))
        {
            var encoded = parts.Length > 1 ? parts[1] : await PromptAsync("", cancellationToken);
            var fields = Encoding.UTF8.GetString(Convert.FromBase64String(encoded ?? "")).Split('\0');
            (user, password) = fields.Length == 3 ? (fields[1], fields[2]) : ("", "");
        }
        else if (parts[0].Equals("LOGIN", StringComparison.OrdinalIgnoreCase))
        {
            user = Decode(parts.Length > 1 ? parts[1] : await PromptAsync("VXNlcm5hbWU6", cancellationToken));
            password = Decode(await PromptAsync("UGFzc3dvcmQ6", cancellationToken));
        }
        else
        {
            return await ReplyAsync(new SmtpReply(504, "5.5.4 Unrecognized authentication type"), cancellationToken);
        }
        var accepted = _script.Credentials is { } expected && expected.User == user && expected.Password == password;
        return await ReplyAsync(accepted ? new SmtpReply(235, "2.7.0 Authentication successful") : new SmtpReply(535, "5.7.8 Authentication credentials invalid"), cancellationToken);
    }

    private async Task<string?> PromptAsync(string challenge, CancellationToken cancellationToken)
    {
        await _lines.WriteReplyAsync(new SmtpReply(334, challenge), cancellationToken);
        var answer = await _lines.ReadLineAsync(cancellationToken);
        return answer is null ? null : Encoding.ASCII.GetString(answer);
    }

    private static string Decode(string? base64) => base64 is null ? "" : Encoding.UTF8.GetString(Convert.FromBase64String(base64));

    private async Task<bool> MailAsync(string argument, CancellationToken cancellationToken)
    {
        Reset();
        if (server.Limits.MustShed())
        {
            // The connection limit dropped below what is open: this one goes, as a relay shedding load closes it.
            _admitted = false;
            return await ReplyAsync(server.Limits.ConnectionReply with { ThenDisconnect = true }, cancellationToken);
        }
        var sender = AngleAddress(argument);
        // As Postfix does: a path that is not <> or <addr-spec> (e.g. a display name inside the brackets) is refused.
        if (sender.AsSpan().IndexOfAny('<', ' ') >= 0)
            return await ReplyAsync(new SmtpReply(501, "5.1.7 Bad sender address syntax"), cancellationToken);
        var reply = DeclaredSize(argument) > _script.MaxMessageSize
            ? new SmtpReply(552, MessageTooBig)
            : _script.OnMailFrom(sender) ?? SmtpReply.Ok;
        if (reply.Code is >= 200 and < 300 && !server.Limits.TryStartTransaction(DateTimeOffset.UtcNow))
            reply = server.Limits.ThrottleReply;
        if (reply.Code is >= 200 and < 300)
            _mailFrom = sender;
        return await ReplyAsync(reply, cancellationToken);
    }

    /// <summary>The SIZE=n parameter of MAIL FROM (RFC 1870), or null when the client declared none.</summary>
    private static long? DeclaredSize(string argument)
    {
        foreach (var parameter in argument.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (parameter.StartsWith("SIZE=", StringComparison.OrdinalIgnoreCase)
                && long.TryParse(parameter.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var size))
                return size;
        }
        return null;
    }

    private async Task<bool> RcptAsync(string argument, CancellationToken cancellationToken)
    {
        if (_mailFrom is null)
            return await ReplyAsync(new SmtpReply(503, "5.5.1 MAIL first"), cancellationToken);
        var recipient = AngleAddress(argument);
        var reply = _script.OnRcptTo(recipient) ?? SmtpReply.Ok;
        if (reply.Code is >= 200 and < 300)
            _recipients.Add(recipient);
        return await ReplyAsync(reply, cancellationToken);
    }

    private async Task<bool> DataAsync(CancellationToken cancellationToken)
    {
        if (_mailFrom is null || _recipients.Count == 0)
            return await ReplyAsync(new SmtpReply(503, "5.5.1 No valid recipients"), cancellationToken);
        if (!await ReplyAsync(new SmtpReply(354, "End data with <CR><LF>.<CR><LF>"), cancellationToken))
            return false;
        using var data = new MemoryStream();
        var tooBig = false;
        while (true)
        {
            var line = await _lines.ReadLineAsync(cancellationToken);
            if (line is null)
                return false;
            if (line is [(byte)'.'])
                break;
            // Past the limit the rest is read to find the final dot, but not kept.
            tooBig = tooBig || data.Length + line.Length + 2 > _script.MaxMessageSize;
            if (tooBig)
                continue;
            var unstuffed = line is [(byte)'.', ..] ? line.AsSpan(1) : line;
            data.Write(unstuffed);
            data.Write("\r\n"u8);
        }
        server.RecordBodyRead();
        if (tooBig)
        {
            Reset();
            return await ReplyAsync(new SmtpReply(552, MessageTooBig), cancellationToken);
        }
        return await EndOfMessageAsync(_mailFrom, data.ToArray(), cancellationToken);
    }

    /// <summary>The whole message is in (the final dot, or BDAT … LAST): the script's reply, and the message kept when it is taken.</summary>
    private async Task<bool> EndOfMessageAsync(string mailFrom, byte[] bytes, CancellationToken cancellationToken)
    {
        if (_script.DataReplyDelay(_recipients) is { Ticks: > 0 } slow)
            await Task.Delay(slow, cancellationToken);
        var reply = _script.OnData(mailFrom, [.. _recipients], bytes) ?? new SmtpReply(250, "2.0.0 Ok: queued");
        if (reply.Code is >= 200 and < 300 || reply == SmtpReply.KeepAndDisconnect)
            server.RecordReceived(new ReceivedMessage(mailFrom, [.. _recipients], bytes, DateTimeOffset.UtcNow));
        Reset();
        return await ReplyAsync(reply, cancellationToken);
    }

    private bool Reset()
    {
        _mailFrom = null;
        _recipients.Clear();
        ForgetChunks();
        return true;
    }

    /// <summary>Sends the reply; false when the connection is to be dropped (a scripted fault, or a 421).</summary>
    private async Task<bool> ReplyAsync(SmtpReply reply, CancellationToken cancellationToken)
    {
        if (reply == SmtpReply.Disconnect || reply == SmtpReply.KeepAndDisconnect)
            return false;
        await DelayAsync(cancellationToken);
        await _lines.WriteReplyAsync(reply, cancellationToken);
        return reply.KeepsConnection;
    }

    /// <summary>
    /// Holds the reply until <see cref="SmtpScript.ReplyDelay"/> after its command arrived, as a network's latency would:
    /// pipelined commands that arrived together are answered together, not one delay after another.
    /// </summary>
    private Task DelayAsync(CancellationToken cancellationToken)
    {
        if (_script.ReplyDelay <= TimeSpan.Zero)
            return Task.CompletedTask;
        var remaining = _script.ReplyDelay - System.Diagnostics.Stopwatch.GetElapsedTime(_lines.LastArrivalAt);
        return remaining > TimeSpan.Zero ? Task.Delay(remaining, cancellationToken) : Task.CompletedTask;
    }

    private static string AngleAddress(string argument)
    {
        var open = argument.IndexOf('<', StringComparison.Ordinal);
        var close = argument.IndexOf('>', StringComparison.Ordinal);
        return open >= 0 && close > open ? argument[(open + 1)..close] : argument.Split(':', 2).Last().Trim();
    }

    public async ValueTask DisposeAsync()
    {
        ForgetChunks();
        if (_startedTls is not null)
            await _startedTls.DisposeAsync();
    }
}
