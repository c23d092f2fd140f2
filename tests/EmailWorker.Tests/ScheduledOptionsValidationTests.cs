using EmailWorker.Configuration;

namespace EmailWorker.Tests;

/// <summary>Section <c>Scheduled</c>: the defaults pass; each key outside its bounds is named with its environment variable.</summary>
[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
public sealed class ScheduledOptionsValidationTests
{
    [Test]
    public void Should_accept_the_defaults()
    {
        var defaults = new ScheduledOptions();

        Assert.Multiple(() =>
        {
            Assert.That(new ScheduledOptionsValidator().Validate(null, defaults).Succeeded, Is.True);
            Assert.That((defaults.HorizonValue, defaults.PollIntervalValue, defaults.WaitInMemoryValue),
                Is.EqualTo((TimeSpan.FromDays(30), TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(2))));
        });
    }

    [TestCase("Horizon", "30s")]
    [TestCase("Horizon", "400d")]
    [TestCase("Horizon", "a month")]
    [TestCase("PollInterval", "5ms")]
    [TestCase("PollInterval", "2s")]
    [TestCase("WaitInMemory", "1m")]
    [TestCase("WaitInMemory", "0s")]
    public void Should_refuse_a_value_out_of_its_bounds_and_name_the_key(string key, string value)
    {
        var options = key switch
        {
            "Horizon" => new ScheduledOptions { Horizon = value },
            "PollInterval" => new ScheduledOptions { PollInterval = value },
            _ => new ScheduledOptions { WaitInMemory = value },
        };

        Assert.That(new ScheduledOptionsValidator().Validate(null, options).FailureMessage,
            Does.Contain($"Scheduled:{key}").And.Contain($"EMAILWORKER__SCHEDULED__{key.ToUpperInvariant()}"));
    }
}
