using EmailWorker.Configuration;
using EmailWorker.Delivery;
using EmailWorker.Outcomes;
using Microsoft.Extensions.Options;
using EmailWorker.Smtp;

namespace EmailWorker.Tests;

/// <summary>Throttling is recognised by code, enhanced code and text together, at any stage, and can be overridden.</summary>
[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
internal sealed class ThrottlingClassificationTests
{
    [TestCase(SmtpStage.MailFrom, 454, "4.7.0 Throttling failure: Maximum sending rate exceeded", TestName = "SES's rate reply is throttling")]
    [TestCase(SmtpStage.MailFrom, 421, "4.7.0 Temporary server error. Too many messages, try again later", TestName = "Office 365's message rate is throttling")]
    [TestCase(SmtpStage.Data, 432, "4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded", TestName = "Office 365's thread limit is throttling")]
    [TestCase(SmtpStage.MailFrom, 421, "4.7.0 Try again later, closing connection", TestName = "Gmail's try again later with 4.7.0 is throttling")]
    [TestCase(SmtpStage.RcptTo, 450, "4.2.1 The user you are trying to contact is receiving mail at a rate that prevents additional messages", TestName = "Gmail's 4.2.1 rate is throttling")]
    [TestCase(SmtpStage.MailFrom, 421, "4.7.28 Our system has detected an unusual rate of unsolicited mail", TestName = "Gmail's 4.7.28 rate is throttling")]
    [TestCase(SmtpStage.MailFrom, 451, "4.7.0 Rate limit exceeded", TestName = "a 451 4.7.0 rate limit is throttling")]
    [TestCase(SmtpStage.MailFrom, 421, "Too many concurrent SMTP connections", TestName = "plain words without an enhanced code are throttling")]
    public void Should_class_a_throttling_reply_as_throttled(SmtpStage stage, int code, string text)
    {
        var outcome = SmtpReplyClassifier.Classify(stage, code, text);
        Assert.Multiple(() =>
        {
            Assert.That(outcome.Class, Is.EqualTo(OutcomeClass.Throttled));
            Assert.That(outcome.Stage, Is.EqualTo(stage));
            Assert.That(outcome.SmtpCode, Is.EqualTo(code));
        });
    }

    [TestCase(SmtpStage.MailFrom, 454, "4.7.0 TLS not available due to local problem", OutcomeClass.System, TestName = "454 4.7.0 TLS not available stays system")]
    [TestCase(SmtpStage.RcptTo, 451, "4.7.1 Please try again later (greylisted)", OutcomeClass.Transient, TestName = "greylisting 451 4.7.1 stays transient")]
    [TestCase(SmtpStage.RcptTo, 450, "4.2.1 Mailbox busy", OutcomeClass.Transient, TestName = "450 4.2.1 mailbox busy stays transient")]
    [TestCase(SmtpStage.Data, 451, "4.3.0 Try again later", OutcomeClass.Transient, TestName = "451 4.3.0 try again later stays transient")]
    [TestCase(SmtpStage.MailFrom, 421, "4.3.2 Service not available, closing channel", OutcomeClass.System, TestName = "421 4.3.2 service not available stays system")]
    [TestCase(SmtpStage.MailFrom, 450, "Try again later", OutcomeClass.Transient, TestName = "a vague reply without an enhanced code stays transient")]
    [TestCase(SmtpStage.Data, 552, "5.3.4 rate of attachments too large", OutcomeClass.Permanent, TestName = "a 5xx reply is never throttling")]
    public void Should_keep_the_class_of_a_reply_that_is_not_throttling(SmtpStage stage, int code, string text, OutcomeClass expected) =>
        Assert.That(SmtpReplyClassifier.Classify(stage, code, text).Class, Is.EqualTo(expected));

    [Test]
    public void Should_keep_todays_class_when_adaptive_delivery_is_off() =>
        Assert.That(SmtpReplyClassifier.Classify(SmtpStage.MailFrom, 454, "4.7.0 Throttling failure: Maximum sending rate exceeded", recogniseThrottling: false).Class,
            Is.EqualTo(OutcomeClass.System));

    [Test]
    public void Should_class_a_connection_refused_at_the_greeting_with_too_many_connections_as_throttled_not_unreached()
    {
        var refused = new RelayUnavailableException(new RelayClosingException(421,
            "4.7.0 localhost Error: too many connections from 127.0.0.1"));
        var outcome = ExceptionClassifier.Classify(refused);
        Assert.Multiple(() =>
        {
            Assert.That(outcome.Class, Is.EqualTo(OutcomeClass.Throttled));
            Assert.That(outcome.RelayUnreached, Is.False, "a throttled connection must not read as a relay that is down");
            Assert.That(outcome.Stage, Is.EqualTo(SmtpStage.Connect));
            Assert.That(ThrottlingReply.Signal(outcome), Is.EqualTo(new ThrottleSignal(ThrottleKind.Connections, "421 4.7.0", "connect")));
        });
    }

    [Test]
    public void Should_class_a_421_that_closes_the_connection_during_a_transaction_as_throttled()
    {
        // The sink sheds a connection so at MAIL FROM: 421, then it hangs up; the transaction was abandoned.
        var lost = new ConnectionLostException(new RelayClosingException(421, "4.7.0 localhost Error: too many connections from 127.0.0.1"), afterBodyStarted: false);
        var outcome = ExceptionClassifier.Classify(lost);
        Assert.Multiple(() =>
        {
            Assert.That(outcome.Class, Is.EqualTo(OutcomeClass.Throttled));
            Assert.That(outcome.EnhancedCode, Is.EqualTo("4.7.0"));
            Assert.That(outcome.MaybeDelivered, Is.False);
            Assert.That(ThrottlingReply.Signal(outcome).Kind, Is.EqualTo(ThrottleKind.Connections));
        });
    }

    [Test]
    public void Should_still_class_a_relay_that_hangs_up_without_throttling_words_as_unreached() =>
        Assert.That(ExceptionClassifier.Classify(new RelayUnavailableException(new RelayClosingException(421,
            "4.3.2 Service not available"))).RelayUnreached, Is.True);

    [Test]
    public void Should_signal_the_rate_for_a_throttled_mail_from() =>
        Assert.That(ThrottlingReply.Signal(SmtpReplyClassifier.Classify(SmtpStage.MailFrom, 454, "4.7.0 Throttling failure: Maximum sending rate exceeded")),
            Is.EqualTo(new ThrottleSignal(ThrottleKind.Rate, "454 4.7.0", "mail")));

    [Test]
    public void Should_signal_connections_for_a_thread_limit_at_data() =>
        Assert.That(ThrottlingReply.Signal(SmtpReplyClassifier.Classify(SmtpStage.Data, 432, "4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded")).Kind,
            Is.EqualTo(ThrottleKind.Connections));

    [TestCase("454 4.7.0=system", OutcomeClass.System, TestName = "an override makes SES's throttling a system fault")]
    [TestCase("454=transient", OutcomeClass.Transient, TestName = "an override by code alone makes it transient")]
    public void Should_let_an_override_change_a_throttling_reply(string overrides, OutcomeClass expected) =>
        Assert.That(Classifier(overrides).ClassifyReply(SmtpStage.MailFrom, 454, "4.7.0 Throttling failure: Maximum sending rate exceeded").Class,
            Is.EqualTo(expected));

    [Test]
    public void Should_let_an_override_make_a_reply_throttling() =>
        Assert.That(Classifier("451 4.3.0=throttled").ClassifyReply(SmtpStage.MailFrom, 451, "4.3.0 busy").Class, Is.EqualTo(OutcomeClass.Throttled));

    [Test]
    public void Should_let_an_override_make_a_throttled_connection_a_relay_fault_that_is_unreached()
    {
        var refused = new RelayUnavailableException(new RelayClosingException(421,
            "4.7.0 Too many connections"));
        var outcome = Classifier("421 4.7.0=system").ClassifyException(refused);
        Assert.Multiple(() =>
        {
            Assert.That(outcome.Class, Is.EqualTo(OutcomeClass.System));
            Assert.That(outcome.RelayUnreached, Is.True);
        });
    }

    [Test]
    public void Should_not_let_an_override_make_a_throttled_connection_burn_retries() =>
        Assert.That(Classifier("421=transient").ClassifyException(new RelayUnavailableException(new RelayClosingException(421,
            "4.7.0 Too many connections"))).Class, Is.EqualTo(OutcomeClass.Throttled));

    [Test]
    public void Should_not_recognise_throttling_when_adaptive_delivery_is_off() =>
        Assert.That(Classifier("", adaptive: false).ClassifyReply(SmtpStage.MailFrom, 454, "4.7.0 Throttling failure: Maximum sending rate exceeded").Class,
            Is.EqualTo(OutcomeClass.System));

    private static OutcomeClassifier Classifier(string overrides, bool adaptive = true) => new(
        Options.Create(new ClassificationOptions { Overrides = overrides }),
        Options.Create(new SmtpOptions { Adaptive = new AdaptiveOptions { Enabled = adaptive } }));
}
