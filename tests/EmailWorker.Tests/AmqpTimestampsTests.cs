using EmailWorker.Broker;
using RabbitMQ.Client;

namespace EmailWorker.Tests;

[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
internal sealed class AmqpTimestampsTests
{
    [Test]
    public void Reads_seconds_as_seconds() =>
        Assert.That(AmqpTimestamps.Read(new AmqpTimestamp(1_700_000_000)), Is.EqualTo(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000)));

    [Test]
    public void Reads_what_can_only_be_milliseconds_as_milliseconds() =>
        Assert.That(AmqpTimestamps.Read(new AmqpTimestamp(1_700_000_000_123)), Is.EqualTo(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123)));

    [TestCase(0L)]
    [TestCase(-1L)]
    [TestCase(long.MinValue)]
    [TestCase(long.MaxValue)]
    public void Reads_no_time_from_what_cannot_be_a_date(long unixTime) =>
        Assert.That(AmqpTimestamps.Read(new AmqpTimestamp(unixTime)), Is.Null);

    [Test]
    public void Reads_no_time_when_the_producer_set_none() =>
        Assert.That(AmqpTimestamps.Published(new BasicProperties()), Is.Null);
}
