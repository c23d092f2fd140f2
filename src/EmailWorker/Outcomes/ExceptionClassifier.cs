using EmailWorker.Delivery;
using EmailWorker.Smtp;

namespace EmailWorker.Outcomes;

/// <summary>
/// Classifies an exception thrown while sending one message (SMTP-OUTCOMES.md). Failures to reach, secure or log in to
/// the relay arrive as <see cref="RelayUnavailableException"/> and are system faults; a refused command is classified by
/// its reply and stage; a connection lost during the transaction is transient (RFC 5321 §3.8 treats it like a 451), and
/// "maybe delivered" only when the body was already on its way.
/// </summary>
internal static class ExceptionClassifier
{
    /// <summary>
    /// The class of <paramref name="exception"/>. With <paramref name="recogniseThrottling"/> (adaptive delivery on) a
    /// throttling reply — also one that refused the connection (greeting, EHLO) or came just before the relay hung up —
    /// is <see cref="OutcomeClass.Throttled"/>.
    /// </summary>
    public static AttemptOutcome Classify(Exception exception, bool recogniseThrottling = true) =>
        (recogniseThrottling ? Throttled(exception) : null) ?? exception switch
    {
        RelayUnavailableException relay => new AttemptOutcome(OutcomeClass.System, $"relay unavailable: {relay.InnerException?.Message ?? relay.Message}",
            RelayUnreached: true),
        SmtpCommandRefusedException command => SmtpReplyClassifier.Classify(StageOf(command.Command), command.StatusCode, command.Message, recogniseThrottling),
        RelaySecurityException or System.Security.Authentication.AuthenticationException => new AttemptOutcome(OutcomeClass.System, exception.Message),
        ConnectionLostException lost => new AttemptOutcome(OutcomeClass.Transient, lost.Message,
            MaybeDelivered: lost.AfterBodyStarted, RelayFaultIfRepeated: true),
        AttemptDeadlineExceededException deadline => new AttemptOutcome(OutcomeClass.Transient, deadline.Message,
            MaybeDelivered: deadline.AfterBodyStarted, RelayFaultIfRepeated: true),
        _ => new AttemptOutcome(OutcomeClass.Transient, $"{exception.GetType().Name}: {exception.Message}"),
    };

    /// <summary>
    /// A throttling reply the relay gave while we connected (greeting, EHLO) — a refusal or a 421 inside
    /// <see cref="RelayUnavailableException"/> — or as it closed the connection (a 421 during the transaction, inside
    /// <see cref="ConnectionLostException"/>: its stage is left open, as the relay abandoned the whole transaction).
    /// </summary>
    private static AttemptOutcome? Throttled(Exception exception)
    {
        var connecting = exception is RelayUnavailableException;
        var inner = connecting || exception is ConnectionLostException ? exception.InnerException : exception;
        var stage = connecting ? SmtpStage.Connect : inner is SmtpCommandRefusedException command ? StageOf(command.Command) : (SmtpStage?)null;
        var (code, text) = inner switch
        {
            SmtpCommandRefusedException refused => (refused.StatusCode, refused.Message),
            RelayClosingException closing => (closing.StatusCode, closing.ReplyText),
            _ => (0, (string?)null),
        };
        if (text is null)
            return null;
        var enhanced = EnhancedStatusCode.Parse(text);
        return ThrottlingReply.Is(code, enhanced, text)
            ? new AttemptOutcome(OutcomeClass.Throttled, text.Trim(), code, enhanced, Stage: stage)
            : null;
    }

    /// <summary>The stage of a refused command; NOOP, RSET and the like count as the transaction's data stage, as before.</summary>
    public static SmtpStage StageOf(SmtpCommand command) => command switch
    {
        SmtpCommand.MailFrom => SmtpStage.MailFrom,
        SmtpCommand.RcptTo => SmtpStage.RcptTo,
        _ => SmtpStage.Data,
    };
}
