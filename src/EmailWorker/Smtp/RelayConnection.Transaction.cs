using MimeKit;

namespace EmailWorker.Smtp;

/// <summary>
/// The transaction, in as few round trips as the relay allows:
/// <list type="bullet">
/// <item>PIPELINING and CHUNKING: MAIL, every RCPT and <c>BDAT &lt;size&gt; LAST</c> with the body in one flight (one write),
/// the replies read back in order — one round trip.</item>
/// <item>PIPELINING only: MAIL, every RCPT and DATA in one flight; the dot-stuffed body after the 354 — two.</item>
/// <item>neither: one command at a time (the body behind <c>BDAT … LAST</c> when CHUNKING alone is offered).</item>
/// </list>
/// Every reply is classified per recipient and per stage as before: a refused MAIL FROM is thrown as a refusal of
/// <see cref="SmtpCommand.MailFrom"/>, refused recipients are collected (<see cref="Refusals"/>) and the mail goes to the
/// others, none accepted is <see cref="NoRecipientsAcceptedException"/>, a refused body is a refusal of
/// <see cref="SmtpCommand.Data"/>; after each of them RSET, and the connection stays usable.
/// <para>"Maybe delivered" (<see cref="BodyStarted"/>): true from the moment the body is handed to the connection until a
/// reply proves that the relay cannot have taken the mail — MAIL FROM refused, every RCPT refused, or a 421. In one flight
/// the body leaves before any reply is known, so a connection lost before those replies were read is "maybe delivered"
/// (the relay may have taken everything and its replies been lost); after DATA the body leaves only after the 354, as
/// before. The next transaction is never pipelined behind this body (docs/performance.md says why).</para>
/// </summary>
internal sealed partial class RelayConnection
{
    private readonly List<RecipientRefusal> _refusals = [];
    private readonly MemoryStream _body = new();
    private readonly MemoryStream _flight = new();

    /// <summary>Buffers grown past this by a large message are dropped after it, so one attachment does not stay in memory.</summary>
    private const int KeptBufferBytes = 1024 * 1024;

    /// <summary>Refusals of the last send; valid until the next one starts.</summary>
    public IReadOnlyList<RecipientRefusal> Refusals => _refusals;

    /// <summary>Whether the relay may have the mail of the current send if the connection is lost now (see the class).</summary>
    public bool BodyStarted { get; private set; }

    /// <summary>Forgets the last send's refusals and progress; call before anything of a new attempt runs.</summary>
    public void BeginAttempt()
    {
        _refusals.Clear();
        BodyStarted = false;
    }

    /// <summary>
    /// Sends <paramref name="message"/> from <paramref name="sender"/> to <paramref name="recipients"/>; the relay's final
    /// reply text when it took the mail for at least one recipient.
    /// </summary>
    public async Task<string> SendAsync(MimeMessage message, MailboxAddress sender, IReadOnlyList<MailboxAddress> recipients, CancellationToken cancellationToken)
    {
        try
        {
            var envelope = SmtpEnvelope.Plan(sender, recipients, Capabilities);
            _refusals.AddRange(envelope.RefusedHere);
            if (envelope.Recipients.Count == 0)
                throw new NoRecipientsAcceptedException([.. _refusals]);
            _body.SetLength(0);
            var eightBit = SmtpFlightWriter.WriteMessage(_body, message, Capabilities.EightBitMime, envelope.SmtpUtf8);
            var mailFrom = SmtpFlightWriter.MailFrom(envelope.Sender, Capabilities.MaxSize is null ? null : _body.Length,
                eightBit && Capabilities.EightBitMime, envelope.SmtpUtf8);
            return Capabilities switch
            {
                { Pipelining: true, Chunking: true } => await InOneFlightAsync(mailFrom, envelope.Recipients, cancellationToken),
                { Pipelining: true } => await PipelinedWithDataAsync(mailFrom, envelope.Recipients, cancellationToken),
                _ => await StepByStepAsync(mailFrom, envelope.Recipients, cancellationToken),
            };
        }
        finally
        {
            Shrink(_body);
            Shrink(_flight);
        }
    }

    /// <summary>MAIL, every RCPT and <c>BDAT &lt;size&gt; LAST</c> + body in one write; the replies read back in order.</summary>
    private async Task<string> InOneFlightAsync(string mailFrom, IReadOnlyList<SmtpEnvelope.Recipient> recipients, CancellationToken cancellationToken)
    {
        _flight.SetLength(0);
        SmtpFlightWriter.Command(_flight, mailFrom);
        foreach (var recipient in recipients)
            SmtpFlightWriter.Command(_flight, SmtpFlightWriter.RcptTo(recipient.OnWire));
        SmtpFlightWriter.Bdat(_flight, _body.GetBuffer().AsSpan(0, (int)_body.Length));
        var (mail, accepted, final) = await RoundTripAsync(async token =>
        {
            BodyStarted = true;
            await WriteAsync(_flight, token);
            var mail = await ReadReplyAsync(token);
            BodyStarted = mail.IsPositive;
            var accepted = await ReadRecipientRepliesAsync(recipients, token);
            BodyStarted = mail.IsPositive && accepted > 0;
            return (mail, accepted, await ReadReplyAsync(token));
        }, cancellationToken);
        return await ConcludeAsync(mail, accepted, final, cancellationToken);
    }

    /// <summary>MAIL, every RCPT and DATA in one write; after the 354 the dot-stuffed body, then its reply.</summary>
    private async Task<string> PipelinedWithDataAsync(string mailFrom, IReadOnlyList<SmtpEnvelope.Recipient> recipients, CancellationToken cancellationToken)
    {
        _flight.SetLength(0);
        SmtpFlightWriter.Command(_flight, mailFrom);
        foreach (var recipient in recipients)
            SmtpFlightWriter.Command(_flight, SmtpFlightWriter.RcptTo(recipient.OnWire));
        SmtpFlightWriter.Command(_flight, "DATA");
        var (mail, accepted, data) = await RoundTripAsync(async token =>
        {
            await WriteAsync(_flight, token);
            var mail = await ReadReplyAsync(token);
            var accepted = await ReadRecipientRepliesAsync(recipients, token);
            return (mail, accepted, await ReadReplyAsync(token));
        }, cancellationToken);
        if (data.Code != 354)
            return await ConcludeAsync(mail, accepted, data, cancellationToken);
        if (!mail.IsPositive || accepted == 0)
        {
            // RFC 2920 §3.1: a relay may accept DATA after refusing the envelope; a lone dot ends that empty message.
            _flight.SetLength(0);
            _flight.Write(".\r\n"u8);
            await RoundTripAsync(async token =>
            {
                await WriteAsync(_flight, token);
                return await ReadReplyAsync(token);
            }, cancellationToken);
            return await ConcludeAsync(mail, accepted, data, cancellationToken);
        }
        return await BodyAfterDataAsync(mail, accepted, cancellationToken);
    }

    /// <summary>For a relay without PIPELINING: each command waits for its reply.</summary>
    private async Task<string> StepByStepAsync(string mailFrom, IReadOnlyList<SmtpEnvelope.Recipient> recipients, CancellationToken cancellationToken)
    {
        var mail = await CommandAsync(mailFrom, cancellationToken);
        if (!mail.IsPositive)
            return await ConcludeAsync(mail, 0, mail, cancellationToken);
        var accepted = 0;
        foreach (var recipient in recipients)
            accepted += Recipient(recipient, await CommandAsync(SmtpFlightWriter.RcptTo(recipient.OnWire), cancellationToken));
        if (accepted == 0)
            return await ConcludeAsync(mail, accepted, mail, cancellationToken);
        if (Capabilities.Chunking)
        {
            _flight.SetLength(0);
            SmtpFlightWriter.Bdat(_flight, _body.GetBuffer().AsSpan(0, (int)_body.Length));
            var final = await RoundTripAsync(async token =>
            {
                BodyStarted = true;
                await WriteAsync(_flight, token);
                return await ReadReplyAsync(token);
            }, cancellationToken);
            return await ConcludeAsync(mail, accepted, final, cancellationToken);
        }
        var data = await CommandAsync("DATA", cancellationToken);
        return data.Code == 354
            ? await BodyAfterDataAsync(mail, accepted, cancellationToken)
            : await ConcludeAsync(mail, accepted, data, cancellationToken);
    }

    /// <summary>The relay said 354 to an envelope it accepted: the body, dot-stuffed, and its reply.</summary>
    private async Task<string> BodyAfterDataAsync(SmtpReply mail, int accepted, CancellationToken cancellationToken)
    {
        _flight.SetLength(0);
        SmtpFlightWriter.DotStuffed(_flight, _body.GetBuffer().AsSpan(0, (int)_body.Length));
        var final = await RoundTripAsync(async token =>
        {
            BodyStarted = true;
            await WriteAsync(_flight, token);
            return await ReadReplyAsync(token);
        }, cancellationToken);
        return await ConcludeAsync(mail, accepted, final, cancellationToken);
    }

    /// <summary>The replies to the RCPTs in order; the refused ones noted. How many were accepted.</summary>
    private async Task<int> ReadRecipientRepliesAsync(IReadOnlyList<SmtpEnvelope.Recipient> recipients, CancellationToken cancellationToken)
    {
        var accepted = 0;
        foreach (var recipient in recipients)
            accepted += Recipient(recipient, await ReadReplyAsync(cancellationToken));
        return accepted;
    }

    private int Recipient(SmtpEnvelope.Recipient recipient, SmtpReply reply)
    {
        if (reply.IsPositive)
            return 1;
        _refusals.Add(new RecipientRefusal(recipient.Address, reply.Code, reply.Text));
        return 0;
    }

    /// <summary>
    /// The outcome from the replies, by stage: the sender refused, no recipient accepted, the body refused (each followed
    /// by RSET), or the final reply's text.
    /// </summary>
    private async Task<string> ConcludeAsync(SmtpReply mail, int accepted, SmtpReply final, CancellationToken cancellationToken)
    {
        BodyStarted = BodyStarted && final.IsPositive;
        if (mail.IsPositive && accepted > 0 && final.IsPositive)
            return final.Text;
        await ResetQuietlyAsync(cancellationToken);
        if (!mail.IsPositive)
            throw new SmtpCommandRefusedException(SmtpCommand.MailFrom, mail.Code, mail.Text);
        if (accepted == 0)
            throw new NoRecipientsAcceptedException([.. _refusals]);
        throw new SmtpCommandRefusedException(SmtpCommand.Data, final.Code, final.Text);
    }

    /// <summary>
    /// RSET after a failed transaction, so the connection serves the next message. A relay that does not answer it is
    /// left for the next use to reconnect: the refusal it follows is what the caller needs to know.
    /// </summary>
    private async Task ResetQuietlyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await CommandAsync("RSET", cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or SmtpDialogueException or RelayClosingException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            Abort();
        }
    }

    private static void Shrink(MemoryStream buffer)
    {
        if (buffer.Capacity > KeptBufferBytes)
        {
            buffer.SetLength(0);
            buffer.Capacity = 0;
        }
    }
}
