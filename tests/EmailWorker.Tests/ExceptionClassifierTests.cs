using System.Net.Sockets;
using EmailWorker.Outcomes;
using EmailWorker.Delivery;
using EmailWorker.Smtp;

namespace EmailWorker.Tests;

/// <summary>The rows of SMTP-OUTCOMES.md that are decided by an exception of the worker's SMTP client or a socket.</summary>
[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
internal sealed class ExceptionClassifierTests
{
    private static IEnumerable<TestCaseData> Cases()
    {
        yield return new TestCaseData(new RelayUnavailableException(new SocketException((int)SocketError.ConnectionRefused)), OutcomeClass.System)
            .SetName("connection refused is a system fault");
        yield return new TestCaseData(new RelayUnavailableException(new RelayClosingException(421, "4.3.2 try later")), OutcomeClass.System)
            .SetName("421 at the greeting is a system fault");
        yield return new TestCaseData(new SmtpCommandRefusedException(SmtpCommand.MailFrom, 550, "5.7.1 relaying denied"), OutcomeClass.System)
            .SetName("relaying denied at MAIL FROM is a system fault");
        yield return new TestCaseData(new SmtpCommandRefusedException(SmtpCommand.MailFrom, 553, "5.7.1 Sender address rejected"), OutcomeClass.Permanent)
            .SetName("a sender the relay refuses is the message's own fault");
        yield return new TestCaseData(new SmtpCommandRefusedException(SmtpCommand.Session, 503, "5.5.1 Error: need MAIL command"), OutcomeClass.Transient)
            .SetName("a sequence error is transient");
        yield return new TestCaseData(new SmtpCommandRefusedException(SmtpCommand.MailFrom, 552, "5.3.4 Message size exceeds fixed limit"), OutcomeClass.Permanent)
            .SetName("552 at MAIL FROM for the SIZE is permanent");
        yield return new TestCaseData(new SmtpCommandRefusedException(SmtpCommand.Data, 554, "5.7.1 spam"), OutcomeClass.Permanent)
            .SetName("554 after DATA is permanent");
        yield return new TestCaseData(new SmtpCommandRefusedException(SmtpCommand.Data, 450, "4.2.1 busy"), OutcomeClass.Transient)
            .SetName("450 after DATA is transient");
        yield return new TestCaseData(new RelaySecurityException("the relay refused the login: 535 5.7.8 bad credentials"), OutcomeClass.System)
            .SetName("authentication refused is a system fault");
        yield return new TestCaseData(new RelaySecurityException("the relay offers no AUTH, but Smtp:Username is set"), OutcomeClass.System)
            .SetName("no login offered is a system fault");
        yield return new TestCaseData(new System.Security.Authentication.AuthenticationException("handshake failed"), OutcomeClass.System)
            .SetName("TLS handshake failure is a system fault");
        yield return new TestCaseData(new RelaySecurityException("the relay does not offer STARTTLS, which Smtp:Security=StartTls requires"), OutcomeClass.System)
            .SetName("no STARTTLS is a system fault");
        yield return new TestCaseData(new RelayUnavailableException(new IOException("the relay closed the connection")), OutcomeClass.System)
            .SetName("a relay that hangs up while connecting is a system fault");
        yield return new TestCaseData(new ConnectionLostException(new SmtpDialogueException("the relay sent a line that is not an SMTP reply"), afterBodyStarted: false), OutcomeClass.Transient)
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
        var outcome = ExceptionClassifier.Classify(new SmtpCommandRefusedException(SmtpCommand.Data, 554, "5.7.1 spam"));

        Assert.That((outcome.SmtpCode, outcome.EnhancedCode), Is.EqualTo((554, "5.7.1")));
    }
}
