using System.Text.RegularExpressions;


namespace EmailWorker.Outcomes;

/// <summary>
/// Classifies an SMTP reply by its stage, code and text (SMTP-OUTCOMES.md): 2xx delivered, 4xx transient, 5xx permanent,
/// with the exceptions that are the relay's or our configuration's fault (system), the protocol errors that are nobody's
/// message's fault, and the ones common practice retries. A refused sender is the message's own field: permanent, like
/// any other 5xx, unless the reply says the relay refuses to relay for us at all.
/// </summary>
internal static partial class SmtpReplyClassifier
{
    /// <summary>
    /// The class of the reply <paramref name="code"/> <paramref name="replyText"/> to the command of <paramref name="stage"/>.
    /// With <paramref name="recogniseThrottling"/> a throttling reply (<see cref="ThrottlingReply"/>) is
    /// <see cref="OutcomeClass.Throttled"/>; without (adaptive delivery off) it keeps the class its code alone gives.
    /// </summary>
    public static AttemptOutcome Classify(SmtpStage stage, int code, string replyText, bool recogniseThrottling = true)
    {
        var enhanced = EnhancedStatusCode.Parse(replyText);
        var protocol = IsProtocolError(code, enhanced);
        var outcomeClass = IsRelayDenied(replyText, enhanced) ? OutcomeClass.System
            : recogniseThrottling && ThrottlingReply.Is(code, enhanced, replyText) ? OutcomeClass.Throttled
            : ClassOf(stage, code, enhanced, protocol);
        var greylisted = outcomeClass == OutcomeClass.Transient && IsGreylisting(enhanced, replyText);
        return new AttemptOutcome(outcomeClass, replyText.Trim(), code, enhanced, Greylisted: greylisted, RelayFaultIfRepeated: protocol, Stage: stage);
    }

    private static OutcomeClass ClassOf(SmtpStage stage, int code, string? enhanced, bool protocol) => (stage, code, enhanced) switch
    {
        (_, >= 200 and < 300, _) => OutcomeClass.Delivered,
        (_, 421, _) => OutcomeClass.System,                      // the relay is closing the connection
        (_, 454, _) => OutcomeClass.System,                      // TLS or authentication temporarily unavailable
        (_, 530 or 535 or 538, _) => OutcomeClass.System,        // authentication required or refused
        _ when protocol => OutcomeClass.Transient,               // out of step with the relay: retried, never dead-lettered
        (SmtpStage.RcptTo, 552, _) => OutcomeClass.Transient,    // too many recipients for this transaction: the rest later
        (_, 552, "5.2.2") => OutcomeClass.Transient,             // mailbox full: retried by common practice
        (_, >= 400 and < 500, _) => OutcomeClass.Transient,
        (_, >= 500 and < 600, _) => OutcomeClass.Permanent,
        _ => OutcomeClass.Transient,                             // a reply outside the RFC: the client keeps responsibility
    };

    /// <summary>500–504 with a 5.5.x code or none: a syntax or sequence error (e.g. a pipelining desync), not a verdict on the mail.</summary>
    private static bool IsProtocolError(int code, string? enhanced) =>
        code is >= 500 and <= 504 && (enhanced is null || enhanced.StartsWith("5.5.", StringComparison.Ordinal));

    /// <summary>"Relay access denied" and its kin: the relay will not relay for this client — every message would meet it.</summary>
    private static bool IsRelayDenied(string replyText, string? enhanced) =>
        enhanced is "5.7.54" or "5.7.64" || RelayDeniedPattern().IsMatch(replyText);

    private static bool IsGreylisting(string? enhanced, string replyText) =>
        enhanced == "4.7.1"
        || replyText.Contains("greylist", StringComparison.OrdinalIgnoreCase)
        || replyText.Contains("graylist", StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex(@"relay(ing)?\s+(access\s+)?(denied|not\s+permitted|not\s+allowed|prohibited)|unable\s+to\s+relay", RegexOptions.IgnoreCase)]
    private static partial Regex RelayDeniedPattern();
}
