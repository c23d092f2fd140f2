using System.Net.Sockets;
using EmailWorker.Smtp;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace EmailWorker.Outcomes;

/// <summary>
/// Classifies an exception thrown while sending one message (SMTP-OUTCOMES.md). Failures to reach or log in to the relay
/// arrive as <see cref="RelayUnavailableException"/> and are system faults; a connection lost during the transaction is
/// transient, as RFC 5321 §3.8 treats it like a 451.
/// </summary>
internal static class ExceptionClassifier
{
    public static AttemptOutcome Classify(Exception exception) => exception switch
    {
        RelayUnavailableException relay => new AttemptOutcome(OutcomeClass.System, $"relay unavailable: {relay.InnerException?.Message ?? relay.Message}"),
        SmtpCommandException { ErrorCode: SmtpErrorCode.SenderNotAccepted } sender => SenderRefusal(sender),
        SmtpCommandException command => SmtpReplyClassifier.Classify((int)command.StatusCode, command.Message),
        ServiceNotAuthenticatedException or AuthenticationException or SslHandshakeException or NotSupportedException or ServiceNotConnectedException =>
            new AttemptOutcome(OutcomeClass.System, exception.Message),
        SmtpProtocolException protocol => new AttemptOutcome(OutcomeClass.Transient, $"protocol error: {protocol.Message}"),
        AttemptDeadlineExceededException deadline => new AttemptOutcome(OutcomeClass.Transient, deadline.Message, MaybeDelivered: true),
        IOException or SocketException => new AttemptOutcome(OutcomeClass.Transient, $"connection lost: {exception.Message}", MaybeDelivered: true),
        _ => new AttemptOutcome(OutcomeClass.Transient, $"{exception.GetType().Name}: {exception.Message}"),
    };

    /// <summary>
    /// A refused MAIL FROM is the configuration's fault (wrong sender, relaying denied) — except a message too large for
    /// the relay's SIZE (552 / 5.3.4), which MailKit also reports as a refused sender and which is that message's fault.
    /// </summary>
    private static AttemptOutcome SenderRefusal(SmtpCommandException refusal)
    {
        var reply = SmtpReplyClassifier.Classify((int)refusal.StatusCode, refusal.Message);
        var tooLarge = reply.SmtpCode == 552 || reply.EnhancedCode == "5.3.4";
        return reply with { Class = tooLarge ? OutcomeClass.Permanent : OutcomeClass.System };
    }
}
