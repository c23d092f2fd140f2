using EmailWorker.Outcomes;
using EmailWorker.Routing;
using EmailWorker.Worker;

namespace EmailWorker.Tests;

/// <summary>
/// Which outcomes count toward a <c>soft_bounce</c> entry: a full mailbox's transient refusal at RCPT (or to DATA with
/// one recipient), on a message's first attempt; never throttling, greylisting, the relay's own trouble, a lost
/// connection, another code, or a DATA reply shared by several recipients.
/// </summary>
[TestFixture]
[CancelAfter(10_000)]
internal sealed class SoftFailureRuleTests
{
    private static readonly string[] Codes = ["4.2.2", "5.2.2"];

    [Test]
    public void Should_count_a_full_mailbox_refused_at_rcpt_once_per_address_in_lower_case()
    {
        var outcomes = new[]
        {
            new RecipientOutcome("Ann@X.test", SmtpReplyClassifier.Classify(SmtpStage.RcptTo, 452, "4.2.2 Mailbox full")),
            new RecipientOutcome("bob@x.test", SmtpReplyClassifier.Classify(SmtpStage.RcptTo, 552, "5.2.2 Mailbox full")),
            new RecipientOutcome("cy@x.test", AttemptOutcome.Delivered("250 ok")),
        };

        Assert.That(SoftFailureRule.FailedSoft(outcomes, attemptsBefore: 0, Codes), Is.EqualTo(new[] { "ann@x.test", "bob@x.test" }));
    }

    [TestCase(451, "4.7.1 Greylisted, try again later", TestName = "greylisting")]
    [TestCase(450, "4.2.1 The user you are trying to contact is receiving mail too quickly", TestName = "throttling")]
    [TestCase(451, "4.3.0 Temporary system problem", TestName = "the relay's own trouble")]
    [TestCase(451, "4.4.1 No answer from host", TestName = "routing")]
    [TestCase(452, "4.5.3 Too many recipients", TestName = "too many recipients")]
    [TestCase(421, "4.2.2 Service closing", TestName = "the relay closing")]
    [TestCase(500, "5.5.2 Syntax error", TestName = "a protocol error")]
    [TestCase(550, "5.1.1 User unknown", TestName = "a hard bounce")]
    public void Should_not_count_what_says_nothing_of_the_mailbox(int code, string reply)
    {
        var outcomes = new[] { new RecipientOutcome("ann@x.test", SmtpReplyClassifier.Classify(SmtpStage.RcptTo, code, reply)) };

        Assert.That(SoftFailureRule.FailedSoft(outcomes, attemptsBefore: 0, Codes), Is.Empty);
    }

    [Test]
    public void Should_count_a_data_reply_only_when_the_transaction_had_one_recipient()
    {
        var full = SmtpReplyClassifier.Classify(SmtpStage.Data, 452, "4.2.2 Mailbox full");
        var alone = new[] { new RecipientOutcome("ann@x.test", full) };
        var shared = new[] { new RecipientOutcome("ann@x.test", full), new RecipientOutcome("bob@x.test", full) };

        Assert.Multiple(() =>
        {
            Assert.That(SoftFailureRule.FailedSoft(alone, attemptsBefore: 0, Codes), Is.EqualTo(new[] { "ann@x.test" }));
            Assert.That(SoftFailureRule.FailedSoft(shared, attemptsBefore: 0, Codes), Is.Empty, "whose mailbox is full is not known");
        });
    }

    [Test]
    public void Should_count_a_message_by_its_first_attempt_only()
    {
        var outcomes = new[] { new RecipientOutcome("ann@x.test", SmtpReplyClassifier.Classify(SmtpStage.RcptTo, 452, "4.2.2 Mailbox full")) };

        Assert.Multiple(() =>
        {
            Assert.That(SoftFailureRule.FailedSoft(outcomes, attemptsBefore: 1, Codes), Is.Empty, "a retry of the same message");
            Assert.That(SoftFailureRule.FailedSoft(outcomes, attemptsBefore: 0, []), Is.Empty, "no code counts");
        });
    }

    [Test]
    public void Should_not_count_a_lost_connection_or_a_throttled_recipient()
    {
        var outcomes = new[]
        {
            new RecipientOutcome("ann@x.test", new AttemptOutcome(OutcomeClass.Transient, "4.2.2 lost", 452, "4.2.2", RelayFaultIfRepeated: true, Stage: SmtpStage.RcptTo)),
            new RecipientOutcome("bob@x.test", new AttemptOutcome(OutcomeClass.Throttled, "4.2.2 slow down", 452, "4.2.2", Stage: SmtpStage.RcptTo)),
        };

        Assert.That(SoftFailureRule.FailedSoft(outcomes, attemptsBefore: 0, Codes), Is.Empty);
    }
}
