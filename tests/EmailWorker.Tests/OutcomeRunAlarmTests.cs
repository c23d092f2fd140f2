using EmailWorker.Outcomes;

namespace EmailWorker.Tests;

[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
internal sealed class OutcomeRunAlarmTests
{
    private static readonly AttemptOutcome Spam = new(OutcomeClass.Permanent, "rejected as spam", 554, "5.7.1");
    private static readonly AttemptOutcome UnknownUser = new(OutcomeClass.Permanent, "user unknown", 550, "5.1.1");
    private static readonly AttemptOutcome Dropped = new(OutcomeClass.Transient, "connection lost", RelayFaultIfRepeated: true);

    [Test]
    public void Should_raise_once_when_a_run_of_policy_refusals_reaches_the_threshold()
    {
        var alarm = OutcomeRunAlarm.PolicyRejections();

        var raised = Enumerable.Range(0, alarm.Threshold * 2).Select(_ => alarm.Record(Spam)).ToArray();

        Assert.That(raised.Count(r => r), Is.EqualTo(1));
        Assert.That(raised[alarm.Threshold - 1], Is.True);
    }

    [Test]
    public void Should_start_over_after_a_delivery_and_ignore_other_refusals()
    {
        var alarm = OutcomeRunAlarm.PolicyRejections();
        for (var i = 0; i < alarm.Threshold - 1; i++)
            alarm.Record(Spam);

        alarm.Record(AttemptOutcome.Delivered("250 ok"));
        var afterDelivery = Enumerable.Range(0, alarm.Threshold - 1).Select(_ => alarm.Record(Spam)).Any(r => r);
        var other = OutcomeRunAlarm.PolicyRejections();
        var unknownUsers = Enumerable.Range(0, other.Threshold * 2).Select(_ => other.Record(UnknownUser)).Any(r => r);

        Assert.That((afterDelivery, unknownUsers), Is.EqualTo((false, false)));
    }

    [Test]
    public void Should_raise_again_for_every_further_run_of_relay_faults()
    {
        var alarm = OutcomeRunAlarm.RelayFaults();

        var raised = Enumerable.Range(0, alarm.Threshold * 3).Select(_ => alarm.Record(Dropped)).ToArray();

        Assert.That(raised.Select((r, i) => (r, i)).Where(x => x.r).Select(x => x.i + 1), Is.EqualTo(new[] { 3, 6, 9 }));
    }

    [Test]
    public void Should_neither_count_nor_end_a_run_with_a_message_refused_for_its_own_reasons()
    {
        var alarm = OutcomeRunAlarm.RelayFaults();

        // One alarm throughout: refusals alone never raise it, and between relay faults they neither add to the run nor end it.
        var refusals = Enumerable.Range(0, alarm.Threshold * 3).Select(_ => alarm.Record(UnknownUser)).ToArray();
        var interleaved = Enumerable.Range(0, alarm.Threshold).SelectMany(_ => new[] { alarm.Record(Dropped), alarm.Record(UnknownUser) }).ToArray();

        Assert.That(refusals, Has.None.True);
        Assert.That(interleaved, Is.EqualTo(Enumerable.Range(0, alarm.Threshold * 2).Select(i => i == alarm.Threshold * 2 - 2)),
            "raised by the third relay fault, whatever refusals came between");
    }
}
