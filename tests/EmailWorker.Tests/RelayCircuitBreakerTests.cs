using EmailWorker.Delivery;

namespace EmailWorker.Tests;

[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
internal sealed class RelayCircuitBreakerTests
{
    [Test]
    public void Should_double_the_first_probe_pause_per_trip_without_a_delivery_from_1_s_up_to_60_s() =>
        Assert.That(Enumerable.Range(1, 9).Select(RelayCircuitBreaker.PauseAfter).Append(RelayCircuitBreaker.PauseAfter(10_000)),
            Is.EqualTo(new[] { 1, 2, 4, 8, 16, 32, 60, 60, 60, 60 }.Select(s => TimeSpan.FromSeconds(s))));
}
