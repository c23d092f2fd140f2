using System.Text;

namespace EmailWorker.SmtpSink;

/// <summary>One SMTP conversation: EHLO/HELO, AUTH, MAIL, RCPT, DATA, RSET, NOOP, QUIT, with replies from the script.</summary>
internal sealed class SmtpSession(LineStream lines, SmtpScript script, Action<ReceivedMessage> onReceived)
{
    private string? _mailFrom;
    private readonly List<string> _recipients = [];

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (!await ReplyAsync(script.OnConnect() ?? new SmtpReply(220, "localhost ESMTP scripted sink"), cancellationToken))
            return;
        while (await lines.ReadLineAsync(cancellationToken) is { } raw)
        {
            var line = Encoding.ASCII.GetString(raw);
            var verb = (line.Length >= 4 ? line[..4] : line).ToUpperInvariant();
            var argument = line.Length > 5 ? line[5..] : "";
            var keepGoing = verb switch
            {
                "EHLO" => await EhloAsync(cancellationToken),
                "HELO" => await ReplyAsync(new SmtpReply(250, "localhost"), cancellationToken),
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

    private async Task<bool> EhloAsync(CancellationToken cancellationToken)
    {
        Reset();
        var auth = script.Credentials is null ? "" : "250-AUTH PLAIN LOGIN\r\n";
        await DelayAsync(cancellationToken);
        await lines.WriteRawAsync($"250-localhost\r\n250-PIPELINING\r\n250-8BITMIME\r\n{auth}250 SMTPUTF8\r\n", cancellationToken);
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
        var accepted = script.Credentials is { } expected && expected.User == user && expected.Password == password;
        return await ReplyAsync(accepted ? new SmtpReply(235, "2.7.0 Authentication successful") : new SmtpReply(535, "5.7.8 Authentication credentials invalid"), cancellationToken);
    }

    private async Task<string?> PromptAsync(string challenge, CancellationToken cancellationToken)
    {
        await lines.WriteReplyAsync(new SmtpReply(334, challenge), cancellationToken);
        var answer = await lines.ReadLineAsync(cancellationToken);
        return answer is null ? null : Encoding.ASCII.GetString(answer);
    }

    private static string Decode(string? base64) => base64 is null ? "" : Encoding.UTF8.GetString(Convert.FromBase64String(base64));

    private async Task<bool> MailAsync(string argument, CancellationToken cancellationToken)
    {
        Reset();
        var sender = AngleAddress(argument);
        var reply = script.OnMailFrom(sender) ?? SmtpReply.Ok;
        if (reply.Code is >= 200 and < 300)
            _mailFrom = sender;
        return await ReplyAsync(reply, cancellationToken);
    }

    private async Task<bool> RcptAsync(string argument, CancellationToken cancellationToken)
    {
        if (_mailFrom is null)
            return await ReplyAsync(new SmtpReply(503, "5.5.1 MAIL first"), cancellationToken);
        var recipient = AngleAddress(argument);
        var reply = script.OnRcptTo(recipient) ?? SmtpReply.Ok;
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
        while (true)
        {
            var line = await lines.ReadLineAsync(cancellationToken);
            if (line is null)
                return false;
            if (line is [(byte)'.'])
                break;
            var unstuffed = line is [(byte)'.', ..] ? line.AsSpan(1) : line;
            data.Write(unstuffed);
            data.Write("\r\n"u8);
        }
        var bytes = data.ToArray();
        if (script.DataReplyDelay(_recipients) is { Ticks: > 0 } slow)
            await Task.Delay(slow, cancellationToken);
        var reply = script.OnData(_mailFrom, [.. _recipients], bytes) ?? new SmtpReply(250, "2.0.0 Ok: queued");
        if (reply.Code is >= 200 and < 300)
            onReceived(new ReceivedMessage(_mailFrom, [.. _recipients], bytes, DateTimeOffset.UtcNow));
        Reset();
        return await ReplyAsync(reply, cancellationToken);
    }

    private bool Reset()
    {
        _mailFrom = null;
        _recipients.Clear();
        return true;
    }

    /// <summary>Sends the reply; false when the script says to drop the connection (or a 421 closes it).</summary>
    private async Task<bool> ReplyAsync(SmtpReply reply, CancellationToken cancellationToken)
    {
        if (reply == SmtpReply.Disconnect)
            return false;
        await DelayAsync(cancellationToken);
        await lines.WriteReplyAsync(reply, cancellationToken);
        return reply.Code != 421;
    }

    /// <summary>
    /// Holds the reply until <see cref="SmtpScript.ReplyDelay"/> after its command arrived, as a network's latency would:
    /// pipelined commands that arrived together are answered together, not one delay after another.
    /// </summary>
    private Task DelayAsync(CancellationToken cancellationToken)
    {
        if (script.ReplyDelay <= TimeSpan.Zero)
            return Task.CompletedTask;
        var remaining = script.ReplyDelay - System.Diagnostics.Stopwatch.GetElapsedTime(lines.LastArrivalAt);
        return remaining > TimeSpan.Zero ? Task.Delay(remaining, cancellationToken) : Task.CompletedTask;
    }

    private static string AngleAddress(string argument)
    {
        var open = argument.IndexOf('<', StringComparison.Ordinal);
        var close = argument.IndexOf('>', StringComparison.Ordinal);
        return open >= 0 && close > open ? argument[(open + 1)..close] : argument.Split(':', 2).Last().Trim();
    }
}
