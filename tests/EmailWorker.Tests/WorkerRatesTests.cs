using EmailWorker.DeadLetters.Views;

namespace EmailWorker.Tests;

[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
public sealed class WorkerRatesTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 29, 20, 0, 0, TimeSpan.Zero);

    private const string Exposition = """
        # TYPE emailworker_messages_total counter
        # UNIT emailworker_messages_total {message}
        emailworker_messages_total{otel_scope_name="EmailWorker",emailworker_class="delivered",emailworker_outcome="delivered"} 90 1764446400000
        emailworker_messages_total{otel_scope_name="EmailWorker",emailworker_class="transient",emailworker_outcome="deferred"} 7 1764446400000
        emailworker_messages_total{otel_scope_name="EmailWorker",emailworker_class="permanent",emailworker_outcome="dead_lettered"} 4 1764446400000
        emailworker_messages_total{otel_scope_name="EmailWorker",emailworker_class="transient",emailworker_outcome="dead_lettered"} 1 1764446400000
        emailworker_messages_total{otel_scope_name="EmailWorker",emailworker_class="invalid",emailworker_outcome="rejected"} 2
        emailworker_messages_in_flight{otel_scope_name="EmailWorker"} 3 1764446400000
        """;

    [Test]
    public void Should_add_up_every_class_of_an_outcome_and_ignore_other_metrics()
    {
        var totals = OutcomeTotals.Parse(Exposition, Start);

        Assert.That(totals, Is.EqualTo(new OutcomeTotals(Start, Delivered: 90, Deferred: 7, DeadLettered: 5, Rejected: 2, Expired: 0, Returned: 0)));
    }

    [TestCase("emailworker_breaker_open{otel_scope_name=\"EmailWorker\"} 1 1764446400000", true)]
    [TestCase("emailworker_breaker_open{otel_scope_name=\"EmailWorker\"} 0", false)]
    [TestCase("emailworker_breaker_open 1", true)]
    [TestCase("emailworker_breaker_opened_total 1", null)]
    public void Should_read_the_breaker_gauge_when_there_is_one(string line, bool? open) =>
        Assert.That(OutcomeTotals.Parse($"{Exposition}\n{line}\n", Start).BreakerOpen, Is.EqualTo(open));

    [Test]
    public void Should_give_rates_per_minute_and_the_share_of_final_outcomes_delivered()
    {
        var before = new OutcomeTotals(Start, 100, 10, 5, 0, 0, 0);
        var after = new OutcomeTotals(Start.AddSeconds(30), 145, 13, 9, 1, 0, 0);

        var rates = WorkerRates.Between("http://w/metrics", before, after);

        Assert.Multiple(() =>
        {
            Assert.That(rates.DeliveredPerMinute, Is.EqualTo(90));
            Assert.That(rates.DeferredPerMinute, Is.EqualTo(6));
            Assert.That(rates.DeadLetteredPerMinute, Is.EqualTo(8));
            Assert.That(rates.RejectedOrExpiredPerMinute, Is.EqualTo(2));
            Assert.That(rates.SuccessRate, Is.EqualTo(0.9), "45 delivered of 50 final outcomes");
            Assert.That(rates.DeliveredSinceStart, Is.EqualTo(145));
        });
    }

    [Test]
    public void Should_have_no_success_rate_when_nothing_final_happened_and_count_afresh_after_a_restart()
    {
        var before = new OutcomeTotals(Start, 100, 10, 5, 0, 0, 0);
        var idle = WorkerRates.Between("u", before, before with { At = Start.AddSeconds(5), Deferred = 11 });
        var restarted = WorkerRates.Between("u", before, new OutcomeTotals(Start.AddSeconds(60), 3, 0, 0, 0, 0, 0));

        Assert.Multiple(() =>
        {
            Assert.That(idle.SuccessRate, Is.Null);
            Assert.That(restarted.DeliveredPerMinute, Is.EqualTo(3));
            Assert.That(restarted.SuccessRate, Is.EqualTo(1));
        });
    }
}
