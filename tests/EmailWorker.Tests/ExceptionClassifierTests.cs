using System.Net.Sockets;
using EmailWorker.Outcomes;
using EmailWorker.Smtp;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace EmailWorker.Tests;

/// <summary>The rows of SMTP-OUTCOMES.md that are decided by a MailKit or socket exception.</summary>
[TestFixture]
internal sealed class ExceptionClassifierTests
{
    private static IEnumerable<TestCaseData> Cases()
    {
        yield return new TestCaseData(new RelayUnavailableException(new SocketException((int)SocketError.ConnectionRefused)), OutcomeClass.System)
            .SetName("connection refused is a system fault");
        yield return new TestCaseData(new RelayUnavailableException(new SmtpCommandException(SmtpErrorCode.UnexpectedStatusCode, SmtpStatusCode.ServiceNotAvailable, "4.3.2 try later")), OutcomeClass.System)
            .SetName("421 at the greeting is a system fault");
        yield return new TestCaseData(new SmtpCommandException(SmtpErrorCode.SenderNotAccepted, SmtpStatusCode.MailboxUnavailable, MailboxAddress.Parse("a@b.c"), "5.7.1 relaying denied"), OutcomeClass.System)
            .SetName("sender refused is a system fault");
        yield return new TestCaseData(new SmtpCommandException(SmtpErrorCode.SenderNotAccepted, SmtpStatusCode.ExceededStorageAllocation, MailboxAddress.Parse("a@b.c"), "5.3.4 Message size exceeds fixed limit"), OutcomeClass.Permanent)
            .SetName("552 at MAIL FROM for the SIZE is permanent");
        yield return new TestCaseData(new SmtpCommandException(SmtpErrorCode.MessageNotAccepted, SmtpStatusCode.TransactionFailed, "5.7.1 spam"), OutcomeClass.Permanent)
            .SetName("554 after DATA is permanent");
        yield return new TestCaseData(new SmtpCommandException(SmtpErrorCode.MessageNotAccepted, SmtpStatusCode.MailboxBusy, "4.2.1 busy"), OutcomeClass.Transient)
            .SetName("450 after DATA is transient");
        yield return new TestCaseData(new AuthenticationException("535: 5.7.8 bad credentials"), OutcomeClass.System)
            .SetName("authentication refused is a system fault");
        yield return new TestCaseData(new ServiceNotAuthenticatedException("auth required"), OutcomeClass.System)
            .SetName("not authenticated is a system fault");
        yield return new TestCaseData(new SslHandshakeException("handshake failed"), OutcomeClass.System)
            .SetName("TLS handshake failure is a system fault");
        yield return new TestCaseData(new NotSupportedException("The SMTP server does not support the STARTTLS extension."), OutcomeClass.System)
            .SetName("no STARTTLS is a system fault");
        yield return new TestCaseData(new ServiceNotConnectedException(), OutcomeClass.System)
            .SetName("not connected is a system fault");
        yield return new TestCaseData(new SmtpProtocolException("unexpected reply"), OutcomeClass.Transient)
            .SetName("protocol error is transient");
        yield return new TestCaseData(new IOException("connection reset"), OutcomeClass.Transient)
            .SetName("connection lost during the transaction is transient");
        yield return new TestCaseData(new AttemptDeadlineExceededException(TimeSpan.FromMinutes(2)), OutcomeClass.Transient)
            .SetName("attempt deadline is transient");
    }

    [TestCaseSource(nameof(Cases))]
    public void Should_classify(Exception exception, OutcomeClass expected) =>
        Assert.That(ExceptionClassifier.Classify(exception).Class, Is.EqualTo(expected));

    [Test]
    public void Should_mark_a_lost_connection_as_maybe_delivered() =>
        Assert.That(ExceptionClassifier.Classify(new IOException("reset")).MaybeDelivered, Is.True);

    [Test]
    public void Should_keep_the_reply_code_of_a_refused_command()
    {
        var outcome = ExceptionClassifier.Classify(new SmtpCommandException(SmtpErrorCode.MessageNotAccepted, SmtpStatusCode.TransactionFailed, "5.7.1 spam"));

        Assert.That((outcome.SmtpCode, outcome.EnhancedCode), Is.EqualTo((554, "5.7.1")));
    }
}
