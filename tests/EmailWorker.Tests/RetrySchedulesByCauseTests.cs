using EmailWorker.Configuration;

namespace EmailWorker.Tests;

/// <summary>The schedule arithmetic: which step comes next for each cause, and the jitter tiers a step spreads over.</summary>
[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
internal sealed class RetrySchedulesByCauseTests
{
    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    private static readonly RetrySchedules Schedules = new([S(30), S(120), S(600), S(1800)], GreylistMinimum: S(300))
    {
        MailboxFull = [S(3600), S(7200)],
        DomainFailure = [S(600), S(1800)],
        ConnectionFailure = [S(10), S(30), S(120)],
    };

    [TestCase(RetryCause.Default, null, 30)]
    [TestCase(RetryCause.Default, 120, 600)]
    [TestCase(RetryCause.Default, 1800, null)]
    [TestCase(RetryCause.Greylisting, null, 600)]
    [TestCase(RetryCause.Greylisting, 600, 1800)]
    [TestCase(RetryCause.MailboxFull, null, 3600)]
    [TestCase(RetryCause.MailboxFull, 30, 3600)]
    [TestCase(RetryCause.MailboxFull, 3600, 7200)]
    [TestCase(RetryCause.MailboxFull, 7200, null)]
    [TestCase(RetryCause.DomainFailure, null, 600)]
    [TestCase(RetryCause.ConnectionFailure, null, 10)]
    [TestCase(RetryCause.ConnectionFailure, 10, 30)]
    public void Should_take_the_first_step_of_the_causes_schedule_longer_than_the_last_one_waited(RetryCause cause, int? lastSeconds, int? expectedSeconds) =>
        Assert.That(Schedules.NextStep(cause, lastSeconds is { } last ? S(last) : null)?.TotalSeconds, Is.EqualTo(expectedSeconds));

    [Test]
    public void Should_use_the_default_schedule_for_a_cause_without_its_own() =>
        Assert.That(new RetrySchedules([S(1), S(2)], S(5)).NextStep(RetryCause.MailboxFull, S(1)), Is.EqualTo(S(2)));

    [Test]
    public void Should_spread_a_step_evenly_from_its_own_delay_up_to_the_jitter_fraction_longer() =>
        Assert.That(new RetryJitter(1.0, 4).TiersOf(S(3)), Is.EqualTo(new[] { S(3), S(4), S(5), S(6) }));

    [Test]
    public void Should_round_the_tiers_of_steps_from_a_minute_to_whole_seconds() =>
        Assert.That(new RetryJitter(0.2, 4).TiersOf(TimeSpan.FromMinutes(2)), Is.EqualTo(new[] { S(120), S(128), S(136), S(144) }));

    [Test]
    public void Should_round_shorter_steps_to_whole_milliseconds() =>
        Assert.That(new RetryJitter(0.2, 4).TiersOf(S(1)), Is.EqualTo(new[] { S(1), S(1.067), S(1.133), S(1.2) }));

    [TestCase(0.0, 3)]
    [TestCase(0.24, 3)]
    [TestCase(0.25, 4)]
    [TestCase(0.5, 5)]
    [TestCase(0.999, 6)]
    public void Should_pick_a_tier_by_the_draw(double draw, int expectedSeconds) =>
        Assert.That(new RetryJitter(1.0, 4).Tier(S(3), draw), Is.EqualTo(S(expectedSeconds)));

    [Test]
    public void Should_keep_every_retry_on_its_step_without_jitter() =>
        Assert.That(new[] { 0.0, 0.5, 0.99 }.Select(d => RetryJitter.None.Tier(S(30), d)), Is.All.EqualTo(S(30)));

    [Test]
    public void Should_declare_the_tiers_of_every_schedule_once_each()
    {
        var schedules = Schedules with { Jitter = new RetryJitter(0.2, 2) };

        Assert.That(schedules.TierDelays.Select(d => Duration.Format(d)), Is.EqualTo(new[]
        {
            "10s", "12s", "30s", "36s", "2m", "144s", "10m", "12m", "30m", "36m", "1h", "72m", "2h", "144m",
        }));
    }

    [Test]
    public void Should_keep_the_default_tier_names_as_the_steps_own_tiers()
    {
        var names = new RetryOptions().Schedules.TierDelays.Select(d => Duration.Format(d)).ToArray();

        Assert.Multiple(() =>
        {
            Assert.That(names, Is.SupersetOf(new[] { "30s", "2m", "10m", "30m", "1h", "2h", "4h" }), "a message waiting in a tier of the old schedule still comes back");
            Assert.That(names, Has.Length.EqualTo(28), "7 steps (the causes' defaults are steps of Retry:Schedule) × 4 jitter tiers");
        });
    }

    [TestCase("MailboxFull", "1h,soon", "Retry:MailboxFull is '1h,soon'")]
    [TestCase("DomainFailure", "2m,1m", "Retry:DomainFailure is '2m,1m': delays must grow")]
    [TestCase("ConnectionFailure", "x", "EMAILWORKER__RETRY__CONNECTIONFAILURE")]
    [TestCase("JitterPercent", "150", "Retry:JitterPercent is 150")]
    [TestCase("JitterTiers", "0", "Retry:JitterTiers is 0")]
    [TestCase("JitterTiers", "10", "makes 119 retry tier queues")]
    public void Should_refuse_a_bad_value_naming_the_key(string key, string value, string expected)
    {
        var options = new RetryOptions { Schedule = "1s,2s,3s,4s,5s,6s,7s" };
        typeof(RetryOptions).GetProperty(key)!.SetValue(options, key.StartsWith("Jitter", StringComparison.Ordinal) ? int.Parse(value, System.Globalization.CultureInfo.InvariantCulture) : value);

        Assert.That(new RetryOptionsValidator().Validate(null, options).FailureMessage, Does.Contain(expected));
    }

    [Test]
    public void Should_accept_empty_cause_schedules_as_the_default_one() =>
        Assert.That(new RetryOptionsValidator().Validate(null, new RetryOptions { MailboxFull = "", DomainFailure = " ", ConnectionFailure = "" }).Succeeded, Is.True);
}
