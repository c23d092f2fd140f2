namespace EmailWorker.SmtpSink;

/// <summary>
/// Decides the server's replies. Every hook returns null for "behave normally"; tests replace the hooks to script failures
/// per recipient or per message. A hook's reply can also be a fault: <see cref="SmtpReply.Disconnect"/>, or a reply that is
/// trickled, cut off or followed by a dropped connection (see <see cref="SmtpReply"/>).
/// </summary>
public sealed class SmtpScript
{
    /// <summary>The greeting; e.g. 421 to refuse service at connect, or a cut-off 220 to drop mid-greeting.</summary>
    public Func<SmtpReply?> OnConnect { get; set; } = () => null;

    /// <summary>
    /// Asked first for every command, given its verb in upper case (EHLO, MAIL, RCPT, DATA…) and the recipients accepted so
    /// far in the transaction: a reply here replaces the command's handling, e.g. <see cref="SmtpReply.Disconnect"/> for
    /// DATA drops the connection without a 354, for one recipient's message or for all.
    /// </summary>
    public Func<string, IReadOnlyList<string>, SmtpReply?> OnCommand { get; set; } = (_, _) => null;

    /// <summary>Reply to MAIL FROM, given the sender.</summary>
    public Func<string, SmtpReply?> OnMailFrom { get; set; } = _ => null;

    /// <summary>Reply to RCPT TO, given the recipient.</summary>
    public Func<string, SmtpReply?> OnRcptTo { get; set; } = _ => null;

    /// <summary>
    /// Reply after the final dot, given the envelope and the data. A 2xx reply or <see cref="SmtpReply.KeepAndDisconnect"/>
    /// counts the message as received; anything else does not.
    /// </summary>
    public Func<string, IReadOnlyList<string>, byte[], SmtpReply?> OnData { get; set; } = (_, _, _) => null;

    /// <summary>An extra pause before the reply to the final dot, given the recipients: a relay that is slow to take the mail.</summary>
    public Func<IReadOnlyList<string>, TimeSpan> DataReplyDelay { get; set; } = _ => TimeSpan.Zero;

    /// <summary>A pause before every reply, as a relay across a network would add.</summary>
    public TimeSpan ReplyDelay { get; set; } = TimeSpan.Zero;

    /// <summary>Credentials AUTH PLAIN/LOGIN accepts; null advertises no AUTH.</summary>
    public (string User, string Password)? Credentials { get; set; }

    /// <summary>
    /// The largest message accepted, advertised as <c>SIZE n</c> in the EHLO reply; a larger one is refused with
    /// 552 5.3.4 at MAIL FROM (when the client declares its size) or after the final dot. Null advertises no SIZE.
    /// </summary>
    public long? MaxMessageSize { get; set; }
}
