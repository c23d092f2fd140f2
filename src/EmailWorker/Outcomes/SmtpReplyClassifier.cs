namespace EmailWorker.Outcomes;

/// <summary>
/// Classifies an SMTP reply code with its text (SMTP-OUTCOMES.md): 2xx delivered, 4xx transient, 5xx permanent, with the
/// exceptions that are the relay's or our configuration's fault (system) and the ones common practice retries.
/// </summary>
internal static class SmtpReplyClassifier
{
    public static AttemptOutcome Classify(int code, string replyText)
    {
        var enhanced = EnhancedStatusCode.Parse(replyText);
        var outcomeClass = ClassOf(code, enhanced);
        var greylisted = outcomeClass == OutcomeClass.Transient && IsGreylisting(enhanced, replyText);
        return new AttemptOutcome(outcomeClass, replyText.Trim(), code, enhanced, Greylisted: greylisted);
    }

    private static OutcomeClass ClassOf(int code, string? enhanced) => (code, enhanced) switch
    {
        ( >= 200 and < 300, _) => OutcomeClass.Delivered,
        (421, _) => OutcomeClass.System,                         // the relay is closing the connection
        (454, _) => OutcomeClass.System,                         // TLS or authentication temporarily unavailable
        (530 or 535 or 538, _) => OutcomeClass.System,           // authentication required or refused
        (552, "5.2.2") => OutcomeClass.Transient,                // mailbox full: retried by common practice
        ( >= 400 and < 500, _) => OutcomeClass.Transient,
        ( >= 500 and < 600, _) => OutcomeClass.Permanent,
        _ => OutcomeClass.Transient,                             // a reply outside the RFC: the client keeps responsibility
    };

    private static bool IsGreylisting(string? enhanced, string replyText) =>
        enhanced == "4.7.1"
        || replyText.Contains("greylist", StringComparison.OrdinalIgnoreCase)
        || replyText.Contains("graylist", StringComparison.OrdinalIgnoreCase);
}
