using EmailWorker.Configuration;

namespace EmailWorker.Tests;

[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
public sealed class RetryScheduleTests
{
    [Test]
    public void Should_parse_the_default_schedule_into_seven_growing_delays()
    {
        var delays = RetrySchedule.Parse(new RetryOptions().Schedule);

        Assert.That(delays, Is.EqualTo(new[]
        {
            TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(30),
            TimeSpan.FromHours(1), TimeSpan.FromHours(2), TimeSpan.FromHours(4),
        }));
    }

    [TestCase("30s,soon", "'soon' is not a delay")]
    [TestCase("2m,30s", "delays must grow")]
    [TestCase("30s,30s", "delays must grow")]
    [TestCase("", "is not a delay")]
    public void Should_explain_what_is_wrong(string schedule, string problem)
    {
        Assert.That(RetrySchedule.TryParse(schedule, out _, out var error), Is.False);
        Assert.That(error, Does.Contain(problem));
    }
}
