namespace EmailWorker.Outcomes;

/// <summary>The command a reply answered: the same code means different things at different stages.</summary>
internal enum SmtpStage
{
    MailFrom,
    RcptTo,
    Data,
}
