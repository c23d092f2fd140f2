using EmailWorker.Worker;

namespace EmailWorker.Tests;

[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
public sealed class PendingAcksTests
{
    private const long Hold = 50;

    private static PendingAcks Delivered(params ulong[] tags)
    {
        var pending = new PendingAcks();
        foreach (var tag in tags)
            pending.Delivered(tag);
        return pending;
    }

    [Test]
    public void Should_ack_a_done_run_at_the_front_with_one_multiple_ack()
    {
        var pending = Delivered(1, 2, 3, 4);
        pending.Done(1, now: 0);
        pending.Done(2, now: 0);
        pending.Done(3, now: 0);

        Assert.That(pending.Take(now: 1, Hold), Is.EqualTo(new[] { new AckFrame(3, Multiple: true) }));
        Assert.That(pending.Count, Is.EqualTo(1));
    }

    [Test]
    public void Should_ack_a_single_done_delivery_without_multiple()
    {
        var pending = Delivered(7, 8);
        pending.Done(7, now: 0);

        Assert.That(pending.Take(now: 1, Hold), Is.EqualTo(new[] { new AckFrame(7, Multiple: false) }));
    }

    [Test]
    public void Should_never_ack_past_a_delivery_still_being_handled()
    {
        var pending = Delivered(1, 2, 3);
        pending.Done(1, now: 0);
        pending.Done(3, now: 0);

        var frames = pending.Take(now: 1, Hold);

        Assert.That(frames, Is.EqualTo(new[] { new AckFrame(1, Multiple: false) }), "3 waits behind 2, and a multiple ack of 3 would settle 2");
        Assert.That(pending.HoldsAny, Is.True);
    }

    [Test]
    public void Should_ack_a_done_delivery_held_behind_a_slow_one_alone_once_the_hold_is_over()
    {
        var pending = Delivered(1, 2, 3);
        pending.Done(2, now: 0);
        pending.Done(3, now: 30);

        Assert.That(pending.Take(now: Hold, Hold), Is.EqualTo(new[] { new AckFrame(2, Multiple: false) }));
        Assert.That(pending.Take(now: 30 + Hold, Hold), Is.EqualTo(new[] { new AckFrame(3, Multiple: false) }));
        Assert.That(pending.Count, Is.EqualTo(1), "the slow delivery stays unsettled");
    }

    [Test]
    public void Should_take_every_done_delivery_when_the_hold_is_zero()
    {
        var pending = Delivered(1, 2, 3, 4);
        pending.Done(2, now: 0);
        pending.Done(4, now: 0);

        Assert.That(pending.Take(now: 0, hold: 0), Is.EqualTo(new[] { new AckFrame(2, false), new AckFrame(4, false) }));
    }

    [Test]
    public void Should_let_a_run_form_once_the_delivery_in_front_is_requeued()
    {
        var pending = Delivered(1, 2, 3);
        pending.Done(2, now: 0);
        pending.Done(3, now: 0);
        pending.Forget(1);

        Assert.That(pending.Take(now: 1, Hold), Is.EqualTo(new[] { new AckFrame(3, Multiple: true) }));
        Assert.That(pending.Count, Is.Zero);
    }

    [Test]
    public void Should_refuse_a_tag_out_of_delivery_order()
    {
        var pending = Delivered(5);

        Assert.Throws<InvalidOperationException>(() => pending.Delivered(4));
    }

    [Test]
    public void Should_refuse_to_settle_an_unknown_tag()
    {
        var pending = Delivered(1);

        Assert.Throws<InvalidOperationException>(() => pending.Done(2, now: 0));
    }
}
