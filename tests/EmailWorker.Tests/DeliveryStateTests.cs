using System.Text;
using EmailWorker.Delivery;

namespace EmailWorker.Tests;

[TestFixture]
public sealed class DeliveryStateTests
{
    [Test]
    public void Should_start_fresh_without_headers()
    {
        var state = DeliveryState.FromHeaders(null);

        Assert.That((state.Attempts, state.LastTier, state.History.Count), Is.EqualTo((0, (int?)null, 0)));
    }

    [Test]
    public void Should_read_our_headers_as_the_broker_delivers_them()
    {
        var headers = new Dictionary<string, object?>
        {
            [Headers.Attempt] = 2,
            [Headers.RetryTier] = 1L,
            [Headers.FirstAttemptAt] = Encoding.UTF8.GetBytes("2026-11-27T10:00:00.0000000+00:00"),
            [Headers.History] = Encoding.UTF8.GetBytes("""[{"attempt":1,"at":"2026-11-27T10:00:00+00:00","outcome":"deferred","class":"transient","smtpCode":451,"message":"try later","worker":"w"}]"""),
            [Headers.RemainingRecipients] = Encoding.UTF8.GetBytes("""["ann@example.org"]"""),
        };

        var state = DeliveryState.FromHeaders(headers);

        Assert.Multiple(() =>
        {
            Assert.That(state.Attempts, Is.EqualTo(2));
            Assert.That(state.LastTier, Is.EqualTo(1));
            Assert.That(state.FirstAttemptAt, Is.EqualTo(new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.Zero)));
            Assert.That(state.History.Single().SmtpCode, Is.EqualTo(451));
            Assert.That(state.RemainingRecipients, Is.EqualTo(new[] { "ann@example.org" }));
        });
    }

    [Test]
    public void Should_survive_a_damaged_history_header() =>
        Assert.That(DeliveryState.FromHeaders(new Dictionary<string, object?> { [Headers.History] = "{broken"u8.ToArray() }).History, Is.Empty);

    [Test]
    public void Should_keep_the_first_and_the_newest_entries_when_the_history_is_full()
    {
        var state = new DeliveryState(0, null, [.. Enumerable.Range(1, DeliveryState.MaxHistoryEntries).Select(Entry)], null, null);

        var history = state.HistoryWith(Entry(99));

        Assert.Multiple(() =>
        {
            Assert.That(history, Has.Count.EqualTo(DeliveryState.MaxHistoryEntries));
            Assert.That(history[0].Attempt, Is.EqualTo(1));
            Assert.That(history[^1].Attempt, Is.EqualTo(99));
        });
    }

    [TestCase("x-death", true)]
    [TestCase("x-first-death-queue", true)]
    [TestCase("x-last-death-reason", true)]
    [TestCase("x-delivery-count", true)]
    [TestCase("email-attempt", false)]
    [TestCase("x-correlation", false)]
    public void Should_know_which_broker_headers_to_strip(string name, bool strip) =>
        Assert.That(Headers.IsBrokerDeathHeader(name), Is.EqualTo(strip));

    private static HistoryEntry Entry(int attempt) => new(attempt, DateTimeOffset.UnixEpoch, "deferred", "transient", 451, null, "m", "w");
}
