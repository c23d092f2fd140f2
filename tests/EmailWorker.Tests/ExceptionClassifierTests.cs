using System.Net.Sockets;
using EmailWorker.Outcomes;
using EmailWorker.Delivery;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace EmailWorker.Tests;

/// <summary>The rows of SMTP-OUTCOMES.md that are decided by a MailKit or socket exception.</summary>
[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
internal sealed class ExceptionClassifierTests
{
    private static IEnumerable<TestCaseData> Cases()
    {
        yield return new TestCaseData(new RelayUnavailableException(new SocketException((int)SocketError.ConnectionRefused)), OutcomeClass.System)
            .SetName("connection refused is a system fault");
        yield return new TestCaseData(new RelayUnavailableException(new SmtpCommandException(SmtpErrorCode.UnexpectedStatusCode, SmtpStatusCode.ServiceNotAvailable, "4.3.2 try later")), OutcomeClass.System)
            .SetName("421 at the greeting is a system fault");
        yield return new TestCaseData(new SmtpCommandException(SmtpErrorCode.SenderNotAccepted, SmtpStatusCode.MailboxUnavailable, MailboxAddress.Parse("a@b.c"), "5.7.1 relaying denied"), OutcomeClass.System)
            .SetName("relaying denied at MAIL FROM is a system fault");
        yield return new TestCaseData(new SmtpCommandException(SmtpErrorCode.SenderNotAccepted, SmtpStatusCode.MailboxNameNotAllowed, MailboxAddress.Parse("a@b.c"), "5.7.1 Sender address rejected"), OutcomeClass.Permanent)
            .SetName("a sender the relay refuses is the message's own fault");
        yield return new TestCaseData(new SmtpCommandException(SmtpErrorCode.UnexpectedStatusCode, SmtpStatusCode.BadCommandSequence, "5.5.1 Error: need MAIL command"), OutcomeClass.Transient)
            .SetName("a sequence error is transient");
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
        yield return new TestCaseData(new ConnectionLostException(new SmtpProtocolException("unexpected reply"), afterBodyStarted: false), OutcomeClass.Transient)
            .SetName("protocol error is transient");
        yield return new TestCaseData(new ConnectionLostException(new IOException("connection reset"), afterBodyStarted: true), OutcomeClass.Transient)
            .SetName("connection lost during the transaction is transient");
        yield return new TestCaseData(new AttemptDeadlineExceededException(TimeSpan.FromMinutes(2), afterBodyStarted: false), OutcomeClass.Transient)
            .SetName("attempt deadline is transient");
    }

    [TestCaseSource(nameof(Cases))]
    public void Should_classify(Exception exception, OutcomeClass expected) =>
        Assert.That(ExceptionClassifier.Classify(exception).Class, Is.EqualTo(expected));

    [TestCase(true, ExpectedResult = true)]
    [TestCase(false, ExpectedResult = false)]
    public bool Should_mark_a_lost_connection_maybe_delivered_only_once_the_body_was_on_its_way(bool afterBodyStarted) =>
        ExceptionClassifier.Classify(new ConnectionLostException(new IOException("reset"), afterBodyStarted)).MaybeDelivered;

    [TestCase(true, ExpectedResult = true)]
    [TestCase(false, ExpectedResult = false)]
    public bool Should_mark_a_missed_deadline_maybe_delivered_only_once_the_body_was_on_its_way(bool afterBodyStarted) =>
        ExceptionClassifier.Classify(new AttemptDeadlineExceededException(TimeSpan.FromSeconds(1), afterBodyStarted)).MaybeDelivered;

    [Test]
    public void Should_count_lost_connections_towards_the_relay_fault_alarm() =>
        Assert.That(ExceptionClassifier.Classify(new ConnectionLostException(new IOException("reset"), false)).RelayFaultIfRepeated, Is.True);

    [Test]
    public void Should_keep_the_reply_code_of_a_refused_command()
    {
        var outcome = ExceptionClassifier.Classify(new SmtpCommandException(SmtpErrorCode.MessageNotAccepted, SmtpStatusCode.TransactionFailed, "5.7.1 spam"));

        Assert.That((outcome.SmtpCode, outcome.EnhancedCode), Is.EqualTo((554, "5.7.1")));
    }
}
