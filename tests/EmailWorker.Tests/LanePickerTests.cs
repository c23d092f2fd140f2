using EmailWorker.Configuration;
using EmailWorker.Worker;

namespace EmailWorker.Tests;

/// <summary>The one decision of which lane takes the next free handling slot.</summary>
[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
internal sealed class LanePickerTests
{
    [Test]
    public void Should_serve_high_whenever_one_waits_however_long_the_others_have_waited()
    {
        var picker = new LanePicker(0.5);

        var picks = Enumerable.Range(0, 100).Select(_ => picker.Pick(highWaits: true, normalWaits: true, bulkWaits: true));

        Assert.That(picks, Is.All.EqualTo(Lane.High));
    }

    [TestCase(0.2, 20)]
    [TestCase(0.1, 10)]
    [TestCase(0.5, 50)]
    [TestCase(0.25, 25)]
    public void Should_give_bulk_its_share_of_the_slots_exactly_while_normal_waits_too(double share, int bulkOfHundred)
    {
        var picker = new LanePicker(share);

        var picks = Enumerable.Range(0, 100).Select(_ => picker.Pick(highWaits: false, normalWaits: true, bulkWaits: true)).ToList();

        Assert.That(picks.Count(lane => lane == Lane.Bulk), Is.EqualTo(bulkOfHundred));
        Assert.That(picks.Count(lane => lane == Lane.Normal), Is.EqualTo(100 - bulkOfHundred));
    }

    [Test]
    public void Should_spread_bulk_evenly_rather_than_in_a_run()
    {
        var picker = new LanePicker(0.2);

        var picks = Enumerable.Range(0, 10).Select(_ => picker.Pick(highWaits: false, normalWaits: true, bulkWaits: true)).ToList();

        // Every fifth contested slot: no run of bulk picks that would hold normal messages back at once.
        Assert.That(picks, Is.EqualTo(new Lane?[] { Lane.Normal, Lane.Normal, Lane.Normal, Lane.Normal, Lane.Bulk, Lane.Normal, Lane.Normal, Lane.Normal, Lane.Normal, Lane.Bulk }));
    }

    [Test]
    public void Should_give_a_lane_alone_every_slot_and_nothing_when_none_waits()
    {
        var picker = new LanePicker(0.2);

        Assert.Multiple(() =>
        {
            Assert.That(picker.Pick(false, false, true), Is.EqualTo(Lane.Bulk));
            Assert.That(picker.Pick(false, true, false), Is.EqualTo(Lane.Normal));
            Assert.That(picker.Pick(false, false, false), Is.Null);
        });
    }

    [Test]
    public void Should_not_bank_bulk_credit_while_high_or_a_lane_alone_is_served()
    {
        var picker = new LanePicker(0.2);
        for (var i = 0; i < 50; i++)
        {
            picker.Pick(true, true, true);
            picker.Pick(false, false, true);
            picker.Pick(false, true, false);
        }

        var contested = Enumerable.Range(0, 4).Select(_ => picker.Pick(false, true, true));

        // Bulk served alone earlier earns no claim on normal's slots now.
        Assert.That(contested, Is.All.EqualTo(Lane.Normal));
    }

    [TestCase(0.0)]
    [TestCase(1.0)]
    [TestCase(-0.1)]
    public void Should_refuse_a_share_that_is_not_a_bounded_share(double share) =>
        Assert.That(() => new LanePicker(share), Throws.InstanceOf<ArgumentOutOfRangeException>());

    [Test]
    public async Task Should_hand_out_a_high_delivery_added_after_a_bulk_backlog_first_and_each_lane_in_its_order()
    {
        using var dispatcher = new LaneDispatcher<string>(new LanePicker(0.2));
        foreach (var i in Enumerable.Range(1, 5))
            dispatcher.Add(Lane.Bulk, $"bulk-{i}");
        dispatcher.Add(Lane.High, "high-1");
        dispatcher.Add(Lane.High, "high-2");

        var taken = new List<string>();
        for (var i = 0; i < 7; i++)
            taken.Add((await dispatcher.TakeAsync(CancellationToken.None)).Item);

        Assert.That(taken, Is.EqualTo(new[] { "high-1", "high-2", "bulk-1", "bulk-2", "bulk-3", "bulk-4", "bulk-5" }));
        Assert.That(Lanes.All.Select(dispatcher.Waiting), Is.All.Zero);
    }

    [Test]
    public async Task Should_wait_for_a_delivery_when_none_waits()
    {
        using var dispatcher = new LaneDispatcher<string>(new LanePicker(0.2));
        var take = dispatcher.TakeAsync(CancellationToken.None);
        Assert.That(take.IsCompleted, Is.False);

        dispatcher.Add(Lane.Normal, "normal-1");

        Assert.That(await take, Is.EqualTo((Lane.Normal, "normal-1")));
    }
}
