using System.Text.RegularExpressions;
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
internal static partial class ExceptionClassifier
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
        SmtpCommandException command => SmtpReplyClassifier.Classify(StageOf(command.ErrorCode), (int)command.StatusCode, command.Message, recogniseThrottling),
        ServiceNotAuthenticatedException or AuthenticationException or SslHandshakeException or NotSupportedException or ServiceNotConnectedException =>
            new AttemptOutcome(OutcomeClass.System, exception.Message),
        ConnectionLostException lost => new AttemptOutcome(OutcomeClass.Transient, lost.Message,
            MaybeDelivered: lost.AfterBodyStarted, RelayFaultIfRepeated: true),
        AttemptDeadlineExceededException deadline => new AttemptOutcome(OutcomeClass.Transient, deadline.Message,
            MaybeDelivered: deadline.AfterBodyStarted, RelayFaultIfRepeated: true),
        _ => new AttemptOutcome(OutcomeClass.Transient, $"{exception.GetType().Name}: {exception.Message}"),
    };

    /// <summary>
    /// A throttling reply the relay gave while we connected (greeting, EHLO, AUTH) or right before it closed the
    /// connection: MailKit reports the first as a command exception inside <see cref="RelayUnavailableException"/>, and a
    /// 421 at EHLO or mid-pipeline as a protocol error "unexpectedly disconnected: &lt;the reply's text&gt;" without its code.
    /// </summary>
    private static AttemptOutcome? Throttled(Exception exception)
    {
        var connecting = exception is RelayUnavailableException;
        var inner = connecting || exception is ConnectionLostException ? exception.InnerException : exception;
        var stage = connecting ? SmtpStage.Connect : inner is SmtpCommandException command ? StageOf(command.ErrorCode) : (SmtpStage?)null;
        var (code, text) = inner switch
        {
            SmtpCommandException refused => ((int?)(int)refused.StatusCode, refused.Message),
            SmtpProtocolException protocol when HungUpWith().Match(protocol.Message) is { Success: true } hungUp => (null, hungUp.Groups[1].Value),
            _ => (null, (string?)null),
        };
        if (text is null)
            return null;
        var enhanced = EnhancedStatusCode.Parse(text);
        return ThrottlingReply.Is(code, enhanced, text)
            ? new AttemptOutcome(OutcomeClass.Throttled, text.Trim(), code ?? 421, enhanced, Stage: stage)
            : null;
    }

    [GeneratedRegex(@"unexpectedly disconnected:\s*(.+)$", RegexOptions.Singleline)]
    private static partial Regex HungUpWith();

    public static SmtpStage StageOf(SmtpErrorCode errorCode) => errorCode switch
    {
        SmtpErrorCode.SenderNotAccepted => SmtpStage.MailFrom,
        SmtpErrorCode.RecipientNotAccepted => SmtpStage.RcptTo,
        _ => SmtpStage.Data,
    };
}
