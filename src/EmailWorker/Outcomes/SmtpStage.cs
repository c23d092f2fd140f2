namespace EmailWorker.Outcomes;

/// <summary>The command a reply answered: the same code means different things at different stages.</summary>
internal enum SmtpStage
{
    /// <summary>The greeting, EHLO, STARTTLS or AUTH: before any transaction.</summary>
    Connect,
    MailFrom,
    RcptTo,
    Data,
}
