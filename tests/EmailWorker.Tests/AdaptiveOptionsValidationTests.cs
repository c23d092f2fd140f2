using EmailWorker.Configuration;

namespace EmailWorker.Tests;

[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
public sealed class AdaptiveOptionsValidationTests
{
    private static string? Validate(AdaptiveOptions adaptive, int poolSize = 4) =>
        new SmtpOptionsValidator().Validate(null, new SmtpOptions { Host = "h", PoolSize = poolSize, Adaptive = adaptive }).FailureMessage;

    [Test]
    public void Should_accept_the_defaults() => Assert.That(Validate(new AdaptiveOptions()), Is.Null);

    [TestCase(0, TestName = "no connection at all")]
    [TestCase(5, TestName = "more than the pool size")]
    public void Should_refuse_a_minimum_outside_one_to_the_pool_size(int minimum) =>
        Assert.That(Validate(new AdaptiveOptions { MinConnections = minimum }),
            Does.Contain("Smtp:Adaptive:MinConnections").And.Contain("EMAILWORKER__SMTP__ADAPTIVE__MINCONNECTIONS"));

    [TestCase(-1)]
    [TestCase(double.NaN)]
    [TestCase(1e9)]
    public void Should_refuse_a_rate_ceiling_that_is_not_a_rate(double rate) =>
        Assert.That(Validate(new AdaptiveOptions { MaxRatePerSecond = rate }), Does.Contain("Smtp:Adaptive:MaxRatePerSecond"));

    [TestCase("soon")]
    [TestCase("0s")]
    [TestCase("30m")]
    public void Should_refuse_a_throttle_wait_that_is_not_well_below_the_consumer_timeout(string wait) =>
        Assert.That(Validate(new AdaptiveOptions { MaxThrottleWait = wait }), Does.Contain("Smtp:Adaptive:MaxThrottleWait"));

    [Test]
    public void Should_refuse_no_throttled_send_at_all() =>
        Assert.That(Validate(new AdaptiveOptions { MaxThrottledAttempts = 0 }), Does.Contain("Smtp:Adaptive:MaxThrottledAttempts"));
}
