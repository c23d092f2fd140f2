using EmailWorker.Broker;
using EmailWorker.Configuration;
using EmailWorker.Contracts;
using EmailWorker.Messages;
using Microsoft.Extensions.Options;

namespace EmailWorker.Tests;

/// <summary>
/// The lanes' names and arguments: the normal lane keeps every name and argument it had before there were lanes (an
/// existing deployment declares them again unchanged), each lane's tiers expire back into its own work exchange, and the
/// lane header is written only off the normal lane.
/// </summary>
[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
internal sealed class LaneTopologyTests
{
    private static readonly TopologyNames Names = TopologyNames.From(new TopologyOptions { Prefix = "email" }, new RetryOptions
    {
        Schedule = "30s,2m", MailboxFull = "", DomainFailure = "", JitterTiers = 1,
    });

    [Test]
    public void Should_keep_the_normal_lanes_names_and_give_the_others_their_own()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Lanes.All.Select(Names.WorkFor), Is.EqualTo(new[] { "email.send.high", "email.send", "email.send.bulk" }));
            Assert.That(Names.Tiers.Select(tier => tier.QueueName), Is.EqualTo(new[]
            {
                "email.retry.30s", "email.retry.2m", "email.retry.high.30s", "email.retry.high.2m", "email.retry.bulk.30s", "email.retry.bulk.2m",
            }));
            Assert.That(Lanes.All.Select(lane => Names.LaneOfWorkQueue(Names.WorkFor(lane))), Is.EqualTo(Lanes.All.Cast<Lane?>()));
            Assert.That(Names.LaneOfWorkQueue("email.dead"), Is.Null);
        });
    }

    [Test]
    public void Should_name_the_lanes_exchanges_the_same_way_for_producers_and_the_worker()
    {
        Assert.Multiple(() =>
        {
            Assert.That(EmailPriority.All.Select(priority => EmailPriority.ExchangeFor("email.send", priority)), Is.EqualTo(Lanes.All.Select(Names.WorkFor)));
            Assert.That(EmailPriority.ExchangeFor("email.send", null), Is.EqualTo("email.send"));
            Assert.That(() => EmailPriority.ExchangeFor("email.send", "urgent"), Throws.InstanceOf<ArgumentOutOfRangeException>());
        });
    }

    [Test]
    public void Should_expire_each_lanes_tiers_into_its_own_work_exchange_and_leave_the_normal_tiers_arguments_as_they_were()
    {
        var declarer = new TopologyDeclarer(Names, Options.Create(new TopologyOptions()));

        var deadLetterExchanges = Names.Tiers.ToDictionary(tier => tier.QueueName, tier => declarer.TierQueueArguments(tier)["x-dead-letter-exchange"]);

        Assert.Multiple(() =>
        {
            Assert.That(deadLetterExchanges["email.retry.30s"], Is.EqualTo("email.send"));
            Assert.That(deadLetterExchanges["email.retry.high.30s"], Is.EqualTo("email.send.high"));
            Assert.That(deadLetterExchanges["email.retry.bulk.2m"], Is.EqualTo("email.send.bulk"));
            Assert.That(declarer.TierQueueArguments(Names.TierFor(TimeSpan.FromSeconds(30), Lane.Normal)).Keys,
                Is.EquivalentTo(new[] { "x-queue-type", "x-message-ttl", "x-dead-letter-exchange", "x-dead-letter-strategy", "x-overflow" }));
        });
    }

    [Test]
    public void Should_write_the_lane_header_off_the_normal_lane_only_and_read_it_back()
    {
        var normal = HeaderCodec.Write(null, AttemptState.New);
        var high = HeaderCodec.Write(new Dictionary<string, object?> { [HeaderNames.Lane] = "bulk" }, AttemptState.New, lane: Lane.High);

        Assert.Multiple(() =>
        {
            Assert.That(normal.ContainsKey(HeaderNames.Lane), Is.False);
            Assert.That(HeaderCodec.ReadLane(normal), Is.Null);
            Assert.That(HeaderCodec.ReadLane(high), Is.EqualTo(Lane.High));
            Assert.That(HeaderCodec.ReadLane(new Dictionary<string, object?> { [HeaderNames.Lane] = "urgent"u8.ToArray() }), Is.Null);
            Assert.That(HeaderCodec.ReadLane(new Dictionary<string, object?> { [HeaderNames.Lane] = "bulk"u8.ToArray() }), Is.EqualTo(Lane.Bulk));
        });
    }
}
