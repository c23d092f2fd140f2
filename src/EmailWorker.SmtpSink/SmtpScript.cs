namespace EmailWorker.SmtpSink;

/// <summary>
/// Decides the server's replies. Every hook returns null for "behave normally"; tests replace the hooks to script failures
/// per recipient or per message.
/// </summary>
public sealed class SmtpScript
{
    /// <summary>The greeting; e.g. 421 to refuse service at connect.</summary>
    public Func<SmtpReply?> OnConnect { get; set; } = () => null;

    /// <summary>Reply to MAIL FROM, given the sender.</summary>
    public Func<string, SmtpReply?> OnMailFrom { get; set; } = _ => null;

    /// <summary>Reply to RCPT TO, given the recipient.</summary>
    public Func<string, SmtpReply?> OnRcptTo { get; set; } = _ => null;

    /// <summary>Reply after the final dot, given the envelope and the data.</summary>
    public Func<string, IReadOnlyList<string>, byte[], SmtpReply?> OnData { get; set; } = (_, _, _) => null;

    /// <summary>An extra pause before the reply to the final dot, given the recipients: a relay that is slow to take the mail.</summary>
    public Func<IReadOnlyList<string>, TimeSpan> DataReplyDelay { get; set; } = _ => TimeSpan.Zero;

    /// <summary>A pause before every reply, as a relay across a network would add.</summary>
    public TimeSpan ReplyDelay { get; set; } = TimeSpan.Zero;

    /// <summary>Credentials AUTH PLAIN/LOGIN accepts; null advertises no AUTH.</summary>
    public (string User, string Password)? Credentials { get; set; }
}
