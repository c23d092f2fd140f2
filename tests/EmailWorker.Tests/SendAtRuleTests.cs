using EmailWorker.Scheduling;

namespace EmailWorker.Tests;

/// <summary>The one rule for <c>sendAt</c>: never delivered before it; held in the store, waited for in memory when due within moments.</summary>
[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
public sealed class SendAtRuleTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private static readonly SendAtRule Rule = new(TimeSpan.FromDays(30), TimeSpan.FromSeconds(2));

    [Test]
    public void When_there_is_no_send_at_should_send_now() => Assert.That(Rule.Judge(null, Now), Is.EqualTo(SendAtVerdict.SendNow));

    [Test]
    public void When_send_at_has_come_or_passed_should_send_now() => Assert.Multiple(() =>
    {
        Assert.That(Rule.Judge(Now, Now), Is.EqualTo(SendAtVerdict.SendNow));
        Assert.That(Rule.Judge(Now.AddDays(-3), Now), Is.EqualTo(SendAtVerdict.SendNow));
    });

    [Test]
    public void When_send_at_is_a_tick_ahead_should_not_send_now() =>
        Assert.That(Rule.Judge(Now.AddTicks(1), Now), Is.EqualTo(SendAtVerdict.WaitInMemory));

    [Test]
    public void When_send_at_is_within_the_wait_in_memory_should_wait_and_beyond_it_should_hold() => Assert.Multiple(() =>
    {
        Assert.That(Rule.Judge(Now.AddSeconds(2), Now), Is.EqualTo(SendAtVerdict.WaitInMemory));
        Assert.That(Rule.Judge(Now.AddSeconds(2).AddTicks(1), Now), Is.EqualTo(SendAtVerdict.Hold));
    });

    [Test]
    public void When_send_at_is_beyond_the_horizon_should_refuse_it() => Assert.Multiple(() =>
    {
        Assert.That(Rule.Judge(Now.AddDays(30), Now), Is.EqualTo(SendAtVerdict.Hold));
        Assert.That(Rule.Judge(Now.AddDays(30).AddTicks(1), Now), Is.EqualTo(SendAtVerdict.BeyondHorizon));
    });
}
