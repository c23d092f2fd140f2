using EmailWorker.Configuration;
using EmailWorker.Webhooks;

namespace EmailWorker.Tests;

/// <summary>When a webhook is tried again, and what an attempt's end makes of it (<see cref="WebhookAttempts.Judge"/>).</summary>
[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
public sealed class WebhookScheduleTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 6, 0, 0, TimeSpan.Zero);
    private static readonly WebhookSchedule Shipped = WebhookSchedule.From(new WebhookOptions());

    [Test]
    public void Should_ship_svix_s_schedule_of_eight_attempts_over_27_and_a_half_hours() =>
        Assert.Multiple(() =>
        {
            Assert.That(Shipped.Waits, Is.EqualTo(new[]
            {
                TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2), TimeSpan.FromHours(5),
                TimeSpan.FromHours(10), TimeSpan.FromHours(10),
            }));
            Assert.That(Shipped.Attempts, Is.EqualTo(8), "immediately, then after each wait");
            Assert.That(Shipped.Waits.Aggregate(TimeSpan.Zero, (a, b) => a + b), Is.EqualTo(new TimeSpan(1, 3, 35, 5)));
        });

    [TestCase(1, 5)]
    [TestCase(2, 300)]
    [TestCase(7, 36_000)]
    public void Should_wait_the_step_after_the_attempts_made_without_jitter_at_the_middle(int attemptsMade, int seconds) =>
        Assert.That(Shipped.NextAttemptAt(attemptsMade, Now, retryAfter: null, random: 0.5), Is.EqualTo(Now.AddSeconds(seconds)));

    [Test]
    public void Should_give_up_after_the_last_wait_s_attempt() =>
        Assert.That(Shipped.NextAttemptAt(8, Now, null, 0.5), Is.Null);

    [TestCase(0.0, 0.8)]
    [TestCase(1.0, 1.2)]
    public void Should_spread_a_wait_by_the_jitter_either_way(double random, double factor) =>
        Assert.That(Shipped.NextAttemptAt(2, Now, null, random), Is.EqualTo(Now + TimeSpan.FromMinutes(5) * factor));

    [Test]
    public void Should_honour_a_longer_retry_after_up_to_its_bound() =>
        Assert.Multiple(() =>
        {
            Assert.That(Shipped.NextAttemptAt(1, Now, TimeSpan.FromMinutes(2), 0.5), Is.EqualTo(Now.AddMinutes(2)));
            Assert.That(Shipped.NextAttemptAt(1, Now, TimeSpan.FromDays(3), 0.5), Is.EqualTo(Now.AddHours(1)), "MaxRetryAfter 1h");
            Assert.That(Shipped.NextAttemptAt(2, Now, TimeSpan.FromSeconds(1), 0.5), Is.EqualTo(Now.AddMinutes(5)), "a shorter one does not hurry it");
        });

    [TestCase(200)]
    [TestCase(204)]
    public void Should_be_done_on_2xx(int status) =>
        Assert.That(WebhookAttempts.Judge(new AttemptResult(status, null, null), 0, Shipped, Now, 0.5), Is.TypeOf<AttemptVerdict.Delivered>());

    [Test]
    public void Should_disable_on_410_at_any_attempt() =>
        Assert.That(WebhookAttempts.Judge(new AttemptResult(410, null, "410 Gone"), 0, Shipped, Now, 0.5), Is.TypeOf<AttemptVerdict.Gone>());

    [TestCase(500)]
    [TestCase(503)]
    [TestCase(301)]
    [TestCase(404)]
    [TestCase(null)]
    public void Should_try_again_after_any_other_end(int? status) =>
        Assert.That(WebhookAttempts.Judge(new AttemptResult(status, null, "x"), 0, Shipped, Now, 0.5),
            Is.EqualTo(new AttemptVerdict.Retry(Now.AddSeconds(5))));

    [Test]
    public void Should_fail_when_the_last_attempt_fails() =>
        Assert.That(WebhookAttempts.Judge(new AttemptResult(503, null, "x"), 7, Shipped, Now, 0.5), Is.TypeOf<AttemptVerdict.Failed>());

    [TestCase("")]
    [TestCase("5s,,5m")]
    [TestCase("5s,soon")]
    [TestCase("8d")]
    public void Should_refuse_a_schedule_that_is_not_waits(string schedule) =>
        Assert.That(WebhookSchedule.TryParse(schedule, out _, out _), Is.False);
}
