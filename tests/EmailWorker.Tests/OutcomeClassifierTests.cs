using EmailWorker.Configuration;
using EmailWorker.Outcomes;
using EmailWorker.Delivery;
using Microsoft.Extensions.Options;
using EmailWorker.Smtp;

namespace EmailWorker.Tests;

[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
internal sealed class OutcomeClassifierTests
{
    private static OutcomeClassifier Classifier(string overrides) => new(Options.Create(new ClassificationOptions { Overrides = overrides }), Options.Create(new SmtpOptions()));

    [Test]
    public void Should_apply_an_override_for_code_and_enhanced_code() =>
        Assert.That(Classifier("452 4.2.2=permanent").ClassifyReply(SmtpStage.Data, 452, "4.2.2 Mailbox full").Class, Is.EqualTo(OutcomeClass.Permanent));

    [Test]
    public void Should_prefer_the_exact_rule_over_the_code_alone() =>
        Assert.That(Classifier("552=transient, 552 5.3.4=permanent").ClassifyReply(SmtpStage.Data, 552, "5.3.4 too big").Class, Is.EqualTo(OutcomeClass.Permanent));

    [Test]
    public void Should_fall_back_to_the_code_alone() =>
        Assert.That(Classifier("552=transient").ClassifyReply(SmtpStage.Data, 552, "5.3.4 too big").Class, Is.EqualTo(OutcomeClass.Transient));

    [Test]
    public void Should_leave_other_replies_alone() =>
        Assert.That(Classifier("452 4.2.2=permanent").ClassifyReply(SmtpStage.Data, 452, "4.5.3 too many recipients").Class, Is.EqualTo(OutcomeClass.Transient));

    [Test]
    public void Should_apply_overrides_to_a_refused_message() =>
        Assert.That(Classifier("554=transient").ClassifyException(
            new SmtpCommandRefusedException(SmtpCommand.Data, 554, "5.7.1 spam")).Class, Is.EqualTo(OutcomeClass.Transient));

    [Test]
    public void Should_apply_overrides_to_a_refused_sender() =>
        Assert.That(Classifier("553 5.7.1=transient").ClassifyException(
            new SmtpCommandRefusedException(SmtpCommand.MailFrom, 553, "5.7.1 Sender address rejected")).Class,
            Is.EqualTo(OutcomeClass.Transient));

    [Test]
    public void Should_not_let_an_override_touch_a_relay_that_is_down() =>
        Assert.That(Classifier("421=permanent").ClassifyException(new RelayUnavailableException(new IOException("refused"))).Class, Is.EqualTo(OutcomeClass.System));

    [TestCase("452 4.2.2=never", "not a class")]
    [TestCase("45=permanent", "not reply=class")]
    [TestCase("452 4.2=permanent", "not reply=class")]
    [TestCase("permanent", "not reply=class")]
    public void Should_explain_a_malformed_rule(string overrides, string problem)
    {
        var result = new ClassificationOptionsValidator().Validate(null, new ClassificationOptions { Overrides = overrides });

        Assert.That(result.FailureMessage, Does.Contain("Classification:Overrides").And.Contain(problem));
    }
}
