namespace EmailWorker.Smtp;

/// <summary>
/// The relay answered a command with a reply that refuses it (4xx/5xx, or anything unexpected) — a reply, so the relay
/// said what it did with the mail. <see cref="Command"/> says which command, for classification by stage
/// (SMTP-OUTCOMES.md); the message is the reply's text without its code.
/// </summary>
internal sealed class SmtpCommandRefusedException(SmtpCommand command, int statusCode, string replyText) : Exception(replyText)
{
    public SmtpCommand Command { get; } = command;

    public int StatusCode { get; } = statusCode;
}
