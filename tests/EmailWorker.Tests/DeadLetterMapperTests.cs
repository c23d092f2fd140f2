using System.Text;
using EmailWorker.DeadLetters.Ingest;
using EmailWorker.DeadLetters.Store;
using RabbitMQ.Client;

namespace EmailWorker.Tests;

[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
public sealed class DeadLetterMapperTests
{
    private static readonly DateTimeOffset ReceivedAt = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>Headers as the worker's mover writes them, strings as byte arrays as the client hands them over.</summary>
    private static Dictionary<string, object?> OurHeaders() => new()
    {
        ["email-failure-class"] = Bytes("permanent"),
        ["email-failure-reason"] = Bytes("<ann@example.org>: User unknown"),
        ["email-smtp-code"] = 550,
        ["email-smtp-enhanced-code"] = Bytes("5.1.1"),
        ["email-smtp-reply"] = Bytes("<ann@example.org>: User unknown"),
        ["email-attempts"] = 3,
        ["email-attempt"] = 3,
        ["email-first-failure-at"] = Bytes("2026-11-29T10:00:00.0000000+00:00"),
        ["email-last-failure-at"] = Bytes("2026-11-29T11:00:00.0000000+00:00"),
        ["email-remaining-recipients"] = Bytes("""["ann@example.org"]"""),
        ["email-history"] = Bytes("""[{"attempt":1,"outcome":"failed"}]"""),
        ["x-custom"] = 12L,
    };

    private static readonly byte[] Body = Bytes("""{"messageId":"order-1","to":[{"address":"ann@example.org"},{"address":"bob@example.org"}],"subject":"s","text":"t"}""");

    [Test]
    public void Should_read_the_failure_record_of_our_dead_letters()
    {
        var letter = DeadLetterMapper.Map(new BasicProperties { MessageId = "amqp-1", Headers = OurHeaders() }, Body, ReceivedAt);

        Assert.Multiple(() =>
        {
            Assert.That(letter.MessageId, Is.EqualTo("order-1"), "the command's messageId");
            Assert.That(letter.Failure.Class, Is.EqualTo("permanent"));
            Assert.That(letter.Failure.Reason, Is.EqualTo("<ann@example.org>: User unknown"));
            Assert.That(letter.Failure.SmtpCode, Is.EqualTo(550));
            Assert.That(letter.Failure.EnhancedCode, Is.EqualTo("5.1.1"));
            Assert.That(letter.Failure.Attempts, Is.EqualTo(3));
            Assert.That(letter.Failure.FirstFailureAt, Is.EqualTo(new DateTimeOffset(2026, 11, 29, 10, 0, 0, TimeSpan.Zero)));
            Assert.That(letter.Failure.LastFailureAt, Is.EqualTo(new DateTimeOffset(2026, 11, 29, 11, 0, 0, TimeSpan.Zero)));
            Assert.That(letter.Recipients, Is.EqualTo(new[] { "ann@example.org" }), "the recipients it stands for, not every one of the command");
            Assert.That(letter.Content.HistoryJson, Does.StartWith("""[{"attempt":1,""").And.Contain(""""outcome":"failed""""), "the timeline as the header codec reads it");
            Assert.That(letter.Content.HeadersJson, Does.StartWith("""{"email-attempt":3,"email-attempts":3,"email-failure-class":"permanent","""));
            Assert.That(letter.Content.HeadersJson, Does.EndWith("\"x-custom\":12}"));
            Assert.That(letter.Content.Body, Is.EqualTo(Body));
            Assert.That(letter.Group, Is.EqualTo(Fingerprint.Of("permanent", 550, "5.1.1", "<ann@example.org>: User unknown")));
        });
    }

    [Test]
    public void Should_give_a_redelivered_letter_the_same_id_and_another_letter_another()
    {
        var headers = OurHeaders();
        var first = DeadLetterMapper.Map(new BasicProperties { MessageId = "amqp-1", Headers = headers }, Body, ReceivedAt);
        // A quorum queue's redelivery adds x-delivery-count; the header order may differ; the receive time does.
        var redelivered = new Dictionary<string, object?>(headers.Reverse()) { ["x-delivery-count"] = 2L };
        var again = DeadLetterMapper.Map(new BasicProperties { MessageId = "amqp-1", Headers = redelivered }, Body, ReceivedAt.AddHours(1));
        var laterFailure = new Dictionary<string, object?>(headers) { ["email-last-failure-at"] = Bytes("2026-11-29T12:00:00.0000000+00:00") };
        var other = DeadLetterMapper.Map(new BasicProperties { MessageId = "amqp-1", Headers = laterFailure }, Body, ReceivedAt);

        Assert.Multiple(() =>
        {
            Assert.That(again.LetterId, Is.EqualTo(first.LetterId));
            Assert.That(first.LetterId, Has.Length.EqualTo(32).And.Match("^[0-9a-f]+$"));
            Assert.That(other.LetterId, Is.Not.EqualTo(first.LetterId), "dead-lettered again later: a new letter");
        });
    }

    [Test]
    public void Should_give_the_two_copies_of_a_republished_move_one_id_whatever_the_client_added()
    {
        var headers = OurHeaders();
        var first = new Dictionary<string, object?>(headers) { ["x-dotnet-pub-seq-no"] = 17L, ["traceparent"] = Bytes("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01") };
        var second = new Dictionary<string, object?>(headers) { ["x-dotnet-pub-seq-no"] = 3L, ["traceparent"] = Bytes("00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01") };

        Assert.That(DeadLetterMapper.Map(new BasicProperties { MessageId = "amqp-1", Headers = second }, Body, ReceivedAt).LetterId,
            Is.EqualTo(DeadLetterMapper.Map(new BasicProperties { MessageId = "amqp-1", Headers = first }, Body, ReceivedAt).LetterId));
    }

    [Test]
    public void Should_class_a_letter_the_broker_dead_lettered_at_the_delivery_limit_as_poison()
    {
        var died = new AmqpTimestamp(new DateTimeOffset(2026, 11, 29, 9, 30, 0, TimeSpan.Zero).ToUnixTimeSeconds());
        var headers = new Dictionary<string, object?>
        {
            ["x-first-death-reason"] = Bytes("delivery_limit"),
            ["x-first-death-queue"] = Bytes("email.send"),
            ["x-death"] = new List<object?> { new Dictionary<string, object?> { ["reason"] = Bytes("delivery_limit"), ["count"] = 1L, ["time"] = died } },
        };

        var letter = DeadLetterMapper.Map(new BasicProperties { Headers = headers }, Body, ReceivedAt);

        Assert.Multiple(() =>
        {
            Assert.That(letter.Failure.Class, Is.EqualTo("poison"));
            Assert.That(letter.Failure.Reason, Is.EqualTo(DeadLetterMapper.PoisonReason));
            Assert.That(letter.MessageId, Is.EqualTo("order-1"));
            Assert.That(letter.Recipients, Is.EqualTo(new[] { "ann@example.org", "bob@example.org" }), "every recipient of the command");
            Assert.That(letter.Failure.LastFailureAt, Is.EqualTo(new DateTimeOffset(2026, 11, 29, 9, 30, 0, TimeSpan.Zero)), "the broker's death time");
            Assert.That(letter.Content.HeadersJson, Does.Contain("\"x-death\":[{\"count\":1,\"reason\":\"delivery_limit\",\"time\":\"2026-11-29T09:30:00.0000000+00:00\"}]"));
        });
    }

    [Test]
    public void Should_keep_a_foreign_letter_as_unknown_with_its_body()
    {
        var json = DeadLetterMapper.Map(new BasicProperties(), Bytes("""  {"messageId":"theirs-9","anything":true}"""), ReceivedAt);
        var binary = DeadLetterMapper.Map(new BasicProperties { MessageId = "amqp-7" }, [0xff, 0x00, 0x41], ReceivedAt);

        Assert.Multiple(() =>
        {
            Assert.That((json.Failure.Class, json.MessageId, json.Failure.Reason), Is.EqualTo(("unknown", "theirs-9", DeadLetterMapper.ForeignReason)));
            Assert.That((json.Failure.LastFailureAt, json.Failure.Attempts, json.Content.HeadersJson, json.Content.HistoryJson), Is.EqualTo((ReceivedAt, 0, "{}", "[]")));
            Assert.That((binary.Failure.Class, binary.MessageId), Is.EqualTo(("unknown", "amqp-7")));
            Assert.That(binary.Content.Body, Is.EqualTo(new byte[] { 0xff, 0x00, 0x41 }));
            Assert.That(binary.Recipients, Is.Empty);
        });
    }

    [Test]
    public void Should_bound_text_from_outside_and_drop_control_characters()
    {
        var headers = new Dictionary<string, object?>
        {
            ["email-failure-class"] = Bytes("permanent"),
            ["email-failure-reason"] = Bytes("bad\0reply\r\n" + new string('x', 5000)),
            ["email-history"] = Bytes("not json"),
        };

        var letter = DeadLetterMapper.Map(new BasicProperties { MessageId = new string('m', 1000), Headers = headers }, [], ReceivedAt);

        Assert.Multiple(() =>
        {
            Assert.That(letter.Failure.Reason, Does.StartWith("bad reply  x").And.Length.EqualTo(2000));
            Assert.That(letter.MessageId, Has.Length.EqualTo(256));
            Assert.That(letter.Content.HistoryJson, Is.EqualTo("[]"), "a damaged history is not stored as if it were one");
        });
    }
}
