using System.Text;
using EmailWorker.Outcomes;
using EmailWorker.Messages;

namespace EmailWorker.Tests;

[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
internal sealed class HeaderCodecTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);

    [Test]
    public void Should_start_fresh_without_headers() =>
        Assert.That(HeaderCodec.ReadState(null), Is.EqualTo(AttemptState.New).Using<AttemptState>(SameState));

    [Test]
    public void Should_read_our_headers_as_the_broker_delivers_them()
    {
        var headers = new Dictionary<string, object?>
        {
            [HeaderNames.Attempt] = 2,
            [HeaderNames.RetryDelay] = Encoding.UTF8.GetBytes("2m"),
            [HeaderNames.FirstAttemptAt] = Encoding.UTF8.GetBytes("2026-11-27T10:00:00.0000000+00:00"),
            [HeaderNames.History] = Encoding.UTF8.GetBytes("""[{"attempt":1,"at":"2026-11-27T10:00:00+00:00","outcome":"deferred","class":"transient","smtpCode":451,"message":"try later","worker":"w"}]"""),
            [HeaderNames.RemainingRecipients] = Encoding.UTF8.GetBytes("""["ann@example.org"]"""),
            [HeaderNames.SystemReturns] = 3L,
            [HeaderNames.ReplayCount] = Encoding.UTF8.GetBytes("1"),
        };

        var state = HeaderCodec.ReadState(headers);

        Assert.Multiple(() =>
        {
            Assert.That(state.Attempts, Is.EqualTo(2));
            Assert.That(state.LastRetryDelay, Is.EqualTo(TimeSpan.FromMinutes(2)));
            Assert.That(state.FirstAttemptAt, Is.EqualTo(At));
            Assert.That(state.History.Single().SmtpCode, Is.EqualTo(451));
            Assert.That(state.Recipients, Is.EqualTo(new[] { "ann@example.org" }));
            Assert.That(state.SystemReturns, Is.EqualTo(3));
            Assert.That(state.ReplayCount, Is.EqualTo(1));
        });
    }

    [Test]
    public void Should_read_back_what_it_wrote()
    {
        var state = new AttemptState(3, At, [new HistoryEntry(1, At, "deferred", "transient", 451, "4.3.0", "later", "w")],
            TimeSpan.FromSeconds(30), ["ann@example.org", "bob@example.org"], 2, 1);
        var failure = new FailureRecord(OutcomeClass.Permanent, "550 5.1.1 unknown", 550, "5.1.1", At, At.AddMinutes(1));

        var headers = HeaderCodec.Write(null, state, failure);

        Assert.Multiple(() =>
        {
            Assert.That(HeaderCodec.ReadState(headers), Is.EqualTo(state).Using<AttemptState>(SameState));
            Assert.That(HeaderCodec.ReadFailure(headers), Is.EqualTo(failure));
        });
    }

    [Test]
    public void Should_drop_the_brokers_death_headers_and_our_stale_ones_but_keep_the_producers()
    {
        var source = new Dictionary<string, object?>
        {
            ["x-death"] = new List<object>(),
            ["x-first-death-reason"] = "expired",
            ["x-dotnet-pub-seq-no"] = 7L,
            [HeaderNames.FailureClass] = "permanent",
            [HeaderNames.RetryDelay] = "30s",
            ["traceparent"] = "00-abc-def-01",
            ["X-Tenant"] = "acme",
        };

        var headers = HeaderCodec.Write(source, AttemptState.New);

        Assert.That(headers.Keys, Is.EquivalentTo(new[] { "traceparent", "X-Tenant" }));
    }

    [Test]
    public void Should_keep_the_producers_expiration_and_user_id_as_written_now_not_as_they_were()
    {
        var source = new Dictionary<string, object?> { [HeaderNames.OriginalExpiration] = "1", [HeaderNames.OriginalUserId] = "stale" };

        var headers = HeaderCodec.Write(source, AttemptState.New, original: ("600000", "billing"));

        Assert.Multiple(() =>
        {
            Assert.That(HeaderCodec.ReadOriginal(headers, HeaderNames.OriginalExpiration), Is.EqualTo("600000"));
            Assert.That(HeaderCodec.ReadOriginal(headers, HeaderNames.OriginalUserId), Is.EqualTo("billing"));
            Assert.That(HeaderCodec.Write(source, AttemptState.New).Keys, Is.Empty, "none when the producer set none");
        });
    }

    [Test]
    public void Should_not_read_as_a_producers_property_what_no_property_can_hold() =>
        Assert.That(HeaderCodec.ReadOriginal(new Dictionary<string, object?> { [HeaderNames.OriginalUserId] = new string('u', 256) },
            HeaderNames.OriginalUserId), Is.Null, "an AMQP short string is at most 255 bytes");

    [Test]
    public void Should_treat_a_damaged_history_as_absent() =>
        Assert.That(HeaderCodec.ReadState(new Dictionary<string, object?> { [HeaderNames.History] = "[not json" }).History, Is.Empty);

    [Test]
    public void Should_not_read_a_failure_record_from_a_message_without_one() =>
        Assert.That(HeaderCodec.ReadFailure(new Dictionary<string, object?> { ["x-first-death-reason"] = "delivery_limit" }), Is.Null);

    private static bool SameState(AttemptState a, AttemptState b) =>
        a.Attempts == b.Attempts && a.FirstAttemptAt == b.FirstAttemptAt && a.History.SequenceEqual(b.History)
        && a.LastRetryDelay == b.LastRetryDelay && (a.Recipients ?? []).SequenceEqual(b.Recipients ?? []) && (a.Recipients is null) == (b.Recipients is null)
        && a.SystemReturns == b.SystemReturns && a.ReplayCount == b.ReplayCount;
}
