namespace EmailWorker.Smtp;

/// <summary>The command a refusal answered; the outcome classifier maps it to its stage.</summary>
internal enum SmtpCommand
{
    /// <summary>The greeting, EHLO/HELO, STARTTLS, AUTH, NOOP or RSET: outside a transaction's envelope and body.</summary>
    Session,
    MailFrom,
    RcptTo,
    /// <summary>DATA, the body after it, or <c>BDAT … LAST</c> with the body.</summary>
    Data,
}
