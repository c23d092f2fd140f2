using EmailWorker.Delivery;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace EmailWorker.Outcomes;

/// <summary>
/// Classifies an exception thrown while sending one message (SMTP-OUTCOMES.md). Failures to reach, secure or log in to
/// the relay arrive as <see cref="RelayUnavailableException"/> and are system faults; a refused command is classified by
/// its reply and stage; a connection lost during the transaction is transient (RFC 5321 §3.8 treats it like a 451), and
/// "maybe delivered" only when the body was already on its way.
/// </summary>
internal static class ExceptionClassifier
{
    public static AttemptOutcome Classify(Exception exception) => exception switch
    {
        RelayUnavailableException relay => new AttemptOutcome(OutcomeClass.System, $"relay unavailable: {relay.InnerException?.Message ?? relay.Message}",
            RelayUnreached: true),
        SmtpCommandException command => SmtpReplyClassifier.Classify(StageOf(command.ErrorCode), (int)command.StatusCode, command.Message),
        ServiceNotAuthenticatedException or AuthenticationException or SslHandshakeException or NotSupportedException or ServiceNotConnectedException =>
            new AttemptOutcome(OutcomeClass.System, exception.Message),
        ConnectionLostException lost => new AttemptOutcome(OutcomeClass.Transient, lost.Message,
            MaybeDelivered: lost.AfterBodyStarted, RelayFaultIfRepeated: true),
        AttemptDeadlineExceededException deadline => new AttemptOutcome(OutcomeClass.Transient, deadline.Message,
            MaybeDelivered: deadline.AfterBodyStarted, RelayFaultIfRepeated: true),
        _ => new AttemptOutcome(OutcomeClass.Transient, $"{exception.GetType().Name}: {exception.Message}"),
    };

    public static SmtpStage StageOf(SmtpErrorCode errorCode) => errorCode switch
    {
        SmtpErrorCode.SenderNotAccepted => SmtpStage.MailFrom,
        SmtpErrorCode.RecipientNotAccepted => SmtpStage.RcptTo,
        _ => SmtpStage.Data,
    };
}
