using EmailWorker.Delivery;
using EmailWorker.Outcomes;
using EmailWorker.Smtp;

namespace EmailWorker.Tests;

[TestFixture]
public sealed class RecipientOutcomesTests
{
    [Test]
    public void Should_split_recipients_by_their_own_reply()
    {
        string[] recipients = ["ok@example.org", "gone@example.org", "later@example.org"];
        RecipientRefusal[] refusals =
        [
            new("gone@example.org", 550, "5.1.1 user unknown"),
            new("LATER@example.org", 451, "4.3.0 try later"),
        ];

        var outcomes = RecipientOutcomes.FromReport(recipients, refusals, SmtpReplyClassifier.Classify);

        Assert.Multiple(() =>
        {
            Assert.That(outcomes.Delivered, Is.EqualTo(new[] { "ok@example.org" }));
            Assert.That(outcomes.Permanent.Single().Address, Is.EqualTo("gone@example.org"));
            Assert.That(outcomes.Transient.Single().Address, Is.EqualTo("later@example.org"));
        });
    }

    [Test]
    public void Should_apply_a_whole_message_failure_to_every_recipient()
    {
        var outcomes = RecipientOutcomes.Whole(["a@example.org", "b@example.org"], new AttemptOutcome(OutcomeClass.Transient, "dropped"));

        Assert.That((outcomes.Delivered.Count, outcomes.Transient.Count), Is.EqualTo((0, 2)));
    }
}
