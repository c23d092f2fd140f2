using EmailWorker.Outcomes;

namespace EmailWorker.Tests;

[TestFixture]
internal sealed class PolicyRejectionAlarmTests
{
    private static readonly AttemptOutcome Spam = new(OutcomeClass.Permanent, "rejected as spam", 554, "5.7.1");
    private static readonly AttemptOutcome UnknownUser = new(OutcomeClass.Permanent, "user unknown", 550, "5.1.1");

    [Test]
    public void Should_raise_once_when_a_run_of_policy_refusals_reaches_the_threshold()
    {
        var alarm = new PolicyRejectionAlarm();

        var raised = Enumerable.Range(0, PolicyRejectionAlarm.Threshold * 2).Select(_ => alarm.Record(Spam)).ToArray();

        Assert.That(raised.Count(r => r), Is.EqualTo(1));
        Assert.That(raised[PolicyRejectionAlarm.Threshold - 1], Is.True);
    }

    [Test]
    public void Should_start_over_after_a_delivery_and_ignore_other_refusals()
    {
        var alarm = new PolicyRejectionAlarm();
        for (var i = 0; i < PolicyRejectionAlarm.Threshold - 1; i++)
            alarm.Record(Spam);

        alarm.Record(AttemptOutcome.Delivered("250 ok"));
        var afterDelivery = Enumerable.Range(0, PolicyRejectionAlarm.Threshold - 1).Select(_ => alarm.Record(Spam)).Any(r => r);
        var other = new PolicyRejectionAlarm();
        var unknownUsers = Enumerable.Range(0, PolicyRejectionAlarm.Threshold * 2).Select(_ => other.Record(UnknownUser)).Any(r => r);

        Assert.That((afterDelivery, unknownUsers), Is.EqualTo((false, false)));
    }
}
