namespace EmailWorker.Outcomes;

/// <summary>
/// The classified result of one attempt (or of one recipient within it), with the relay's reply where there was one.
/// </summary>
/// <param name="Class">The outcome class (DESIGN §5).</param>
/// <param name="Reason">The relay's reply text or what went wrong, for the history and the failure record.</param>
/// <param name="SmtpCode">The three-digit reply code, where the relay replied.</param>
/// <param name="EnhancedCode">The RFC 3463 code from the reply text, e.g. 5.1.1.</param>
/// <param name="Greylisted">A 4.7.1-style "try again later" that should wait at least <c>Retry:GreylistMinimum</c>.</param>
/// <param name="MaybeDelivered">The connection was lost after the body was on its way: the relay may have the mail.</param>
/// <param name="RelayFaultIfRepeated">A protocol error, a lost connection or a missed deadline: one is this message's bad
/// luck, the same in a row across messages is the relay's fault and opens the breaker.</param>
/// <param name="RelayUnreached">No SMTP dialogue took place (connect, TLS or login failed): not an attempt at all.</param>
/// <param name="Stage">The command the relay's reply answered, where there was one.</param>
internal sealed record AttemptOutcome(
    OutcomeClass Class,
    string Reason,
    int? SmtpCode = null,
    string? EnhancedCode = null,
    bool Greylisted = false,
    bool MaybeDelivered = false,
    bool RelayFaultIfRepeated = false,
    bool RelayUnreached = false,
    SmtpStage? Stage = null)
{
    public static AttemptOutcome Delivered(string reply) => new(OutcomeClass.Delivered, reply, 250);
}
