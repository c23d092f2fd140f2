using EmailWorker.Outcomes;

namespace EmailWorker.Tests;

/// <summary>The rows of SMTP-OUTCOMES.md that are decided by a reply code and its text.</summary>
[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
internal sealed class SmtpReplyClassifierTests
{
    [TestCase(250, "2.0.0 Ok: queued", OutcomeClass.Delivered, "2.0.0")]
    [TestCase(550, "5.1.1 <x@example.org>: Recipient address rejected: User unknown", OutcomeClass.Permanent, "5.1.1")]
    [TestCase(550, "5.1.2 Bad destination system address", OutcomeClass.Permanent, "5.1.2")]
    [TestCase(553, "5.1.3 Bad destination mailbox address syntax", OutcomeClass.Permanent, "5.1.3")]
    [TestCase(556, "5.1.10 Recipient address has null MX", OutcomeClass.Permanent, "5.1.10")]
    [TestCase(450, "4.2.1 Mailbox busy", OutcomeClass.Transient, "4.2.1")]
    [TestCase(451, "4.3.0 Temporary lookup failure", OutcomeClass.Transient, "4.3.0")]
    [TestCase(452, "4.2.2 Mailbox full", OutcomeClass.Transient, "4.2.2")]
    [TestCase(452, "4.5.3 Too many recipients", OutcomeClass.Transient, "4.5.3")]
    [TestCase(552, "5.3.4 Message size exceeds fixed limit", OutcomeClass.Permanent, "5.3.4")]
    [TestCase(552, "5.2.2 Mailbox full", OutcomeClass.Transient, "5.2.2")]
    [TestCase(554, "5.7.1 Message rejected as spam", OutcomeClass.Permanent, "5.7.1")]
    [TestCase(421, "4.3.2 Service not available, closing channel", OutcomeClass.System, "4.3.2")]
    [TestCase(454, "4.7.0 TLS not available due to local problem", OutcomeClass.System, "4.7.0")]
    [TestCase(535, "5.7.8 Authentication credentials invalid", OutcomeClass.System, "5.7.8")]
    [TestCase(530, "5.7.0 Authentication required", OutcomeClass.System, "5.7.0")]
    [TestCase(471, "local policy", OutcomeClass.Transient, null)]
    [TestCase(500, "syntax error", OutcomeClass.Transient, null)]
    [TestCase(503, "5.5.1 Error: need MAIL command", OutcomeClass.Transient, "5.5.1")]
    [TestCase(502, "5.5.2 Error: command not recognized", OutcomeClass.Transient, "5.5.2")]
    [TestCase(501, "5.1.3 Bad recipient address syntax", OutcomeClass.Permanent, "5.1.3")]
    [TestCase(554, "5.7.1 <ann@example.org>: Relay access denied", OutcomeClass.System, "5.7.1")]
    [TestCase(550, "5.7.1 Relaying denied", OutcomeClass.System, "5.7.1")]
    public void Should_classify_the_reply(int code, string text, OutcomeClass expected, string? enhanced)
    {
        var outcome = SmtpReplyClassifier.Classify(SmtpStage.Data, code, text);

        Assert.Multiple(() =>
        {
            Assert.That(outcome.Class, Is.EqualTo(expected));
            Assert.That(outcome.SmtpCode, Is.EqualTo(code));
            Assert.That(outcome.EnhancedCode, Is.EqualTo(enhanced));
            Assert.That(outcome.Reason, Is.EqualTo(text));
        });
    }

    [TestCase(450, "4.7.1 Greylisted, please try again in 300 seconds", true)]
    [TestCase(451, "4.7.1 Service unavailable - try again later", true)]
    [TestCase(451, "Temporarily greylisted", true)]
    [TestCase(451, "4.3.0 Temporary lookup failure", false)]
    [TestCase(550, "5.7.1 greylist policy says no forever", false)]
    public void Should_recognise_greylisting_among_transient_replies(int code, string text, bool greylisted) =>
        Assert.That(SmtpReplyClassifier.Classify(SmtpStage.RcptTo, code, text).Greylisted, Is.EqualTo(greylisted));

    [TestCase(SmtpStage.RcptTo, 552, "5.5.3 Too many recipients", OutcomeClass.Transient)]
    [TestCase(SmtpStage.RcptTo, 552, "Requested mail action aborted: exceeded storage allocation", OutcomeClass.Transient)]
    [TestCase(SmtpStage.Data, 552, "Requested mail action aborted: exceeded storage allocation", OutcomeClass.Permanent)]
    [TestCase(SmtpStage.RcptTo, 421, "4.4.2 closing connection", OutcomeClass.System)]
    [TestCase(SmtpStage.RcptTo, 454, "4.7.0 temporary authentication failure", OutcomeClass.System)]
    [TestCase(SmtpStage.MailFrom, 553, "5.7.1 <shop@example.com>: Sender address rejected: not owned by user", OutcomeClass.Permanent)]
    [TestCase(SmtpStage.MailFrom, 550, "5.1.7 Invalid sender address", OutcomeClass.Permanent)]
    [TestCase(SmtpStage.MailFrom, 451, "4.3.0 Sender domain lookup failed", OutcomeClass.Transient)]
    [TestCase(SmtpStage.MailFrom, 552, "5.3.4 Message size exceeds fixed limit", OutcomeClass.Permanent)]
    [TestCase(SmtpStage.MailFrom, 550, "5.7.1 Relaying denied", OutcomeClass.System)]
    public void Should_classify_by_the_stage_the_reply_answered(SmtpStage stage, int code, string text, OutcomeClass expected) =>
        Assert.That(SmtpReplyClassifier.Classify(stage, code, text).Class, Is.EqualTo(expected));

    [TestCase(503, "5.5.1 Error: need MAIL command", true)]
    [TestCase(500, "syntax error", true)]
    [TestCase(550, "5.1.1 User unknown", false)]
    [TestCase(451, "4.3.0 try later", false)]
    public void Should_mark_protocol_errors_as_the_relays_fault_when_repeated(int code, string text, bool expected) =>
        Assert.That(SmtpReplyClassifier.Classify(SmtpStage.Data, code, text).RelayFaultIfRepeated, Is.EqualTo(expected));

    [TestCase("5.1.1 User unknown", "5.1.1")]
    [TestCase("550 5.1.1 User unknown", "5.1.1")]
    [TestCase("  4.7.1 try later", "4.7.1")]
    [TestCase("User unknown 5.1.1", null)]
    [TestCase("", null)]
    public void Should_read_the_enhanced_code_from_the_start_of_the_text(string text, string? expected) =>
        Assert.That(EnhancedStatusCode.Parse(text), Is.EqualTo(expected));
}
