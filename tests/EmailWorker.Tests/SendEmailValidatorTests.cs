using EmailWorker.Contracts;

namespace EmailWorker.Tests;

[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
public sealed class SendEmailValidatorTests
{
    private static readonly SendEmailLimits Limits = new() { MaxRecipients = 3 };

    private static SendEmail Valid() => new()
    {
        MessageId = "order-4711:confirmation@shop",
        From = new EmailAddress { Address = "shop@example.com", Name = "Shop" },
        To = [new EmailAddress { Address = "ann@example.org" }],
        Subject = "Your order",
        Text = "plain",
        Headers = new Dictionary<string, string> { ["X-Campaign"] = "autumn" },
        Attachments = [new EmailAttachment { FileName = "a.pdf", ContentType = "application/pdf", ContentBase64 = "aGVsbG8=" }],
    };

    [Test]
    public void Should_accept_a_valid_message() => Assert.That(SendEmailValidator.Validate(Valid(), Limits), Is.Empty);

    private static IEnumerable<TestCaseData> Invalid()
    {
        yield return Case(Valid() with { MessageId = "" }, ValidationCodes.MissingMessageId, "messageId");
        yield return Case(Valid() with { MessageId = "has space" }, ValidationCodes.InvalidMessageId, "messageId");
        yield return Case(Valid() with { MessageId = new string('a', 201) }, ValidationCodes.InvalidMessageId, "messageId");
        yield return Case(Valid() with { To = [] }, ValidationCodes.MissingRecipient, "to");
        yield return Case(Valid() with { To = [.. Enumerable.Range(0, 4).Select(i => new EmailAddress { Address = $"r{i}@example.org" })] },
            ValidationCodes.TooManyRecipients, "to");
        yield return Case(Valid() with { To = [new EmailAddress { Address = "not-an-address" }] }, ValidationCodes.InvalidAddress, "to[0].address");
        yield return Case(Valid() with { Cc = [new EmailAddress { Address = "Ann <ann@example.org>" }] }, ValidationCodes.InvalidAddress, "cc[0].address");
        yield return Case(Valid() with { Bcc = [new EmailAddress { Address = "ann@example.org\r\nRCPT TO:<x@evil>" }] }, ValidationCodes.HeaderInjection, "bcc[0]");
        yield return Case(Valid() with { From = null }, ValidationCodes.MissingSender, "from");
        yield return Case(Valid() with { Subject = "Hello\r\nBcc: victim@example.org" }, ValidationCodes.HeaderInjection, "subject");
        yield return Case(Valid() with { Headers = new Dictionary<string, string> { ["Received"] = "spoof" } }, ValidationCodes.InvalidHeaderName, "headers.Received");
        yield return Case(Valid() with { Headers = new Dictionary<string, string> { ["X-Ok"] = "a\nb" } }, ValidationCodes.HeaderInjection, "headers.X-Ok");
        yield return Case(Valid() with { Text = null, Html = "" }, ValidationCodes.MissingBody, "text");
        yield return Case(Valid() with { Attachments = [new EmailAttachment { FileName = "a.pdf", ContentBase64 = "not base64!" }] },
            ValidationCodes.InvalidAttachment, "attachments[0].contentBase64");
    }

    private static TestCaseData Case(SendEmail message, string code, string field) =>
        new TestCaseData(message, code, field).SetName($"Should_refuse_with_{code}_at_{field}");

    [TestCaseSource(nameof(Invalid))]
    public void Should_refuse_with_a_stable_code_and_the_field(SendEmail message, string code, string field)
    {
        var errors = SendEmailValidator.Validate(message, Limits);

        Assert.That(errors.Select(e => (e.Code, e.Field)), Does.Contain((code, field)), string.Join("; ", errors));
    }

    [Test]
    public void Should_accept_no_sender_when_a_default_is_configured() =>
        Assert.That(SendEmailValidator.Validate(Valid() with { From = null }, Limits with { HasDefaultSender = true }), Is.Empty);

    [Test]
    public void Should_refuse_a_relay_the_producer_knows_is_not_configured_and_accept_a_configured_one()
    {
        var known = Limits with { KnownRelays = ["ses-eu", "backup"] };

        Assert.Multiple(() =>
        {
            Assert.That(SendEmailValidator.Validate(Valid() with { Relay = "ses-us" }, known).Select(e => (e.Code, e.Field)),
                Is.EqualTo(new[] { (ValidationCodes.UnknownRelay, "relay") }));
            Assert.That(SendEmailValidator.Validate(Valid() with { Relay = "Backup" }, known), Is.Empty);
            Assert.That(SendEmailValidator.Validate(Valid() with { Relay = "ses-us" }, Limits), Is.Empty, "without the names only the form is checked");
            Assert.That(SendEmailValidator.Validate(Valid() with { Relay = "ses\r\neu" }, Limits).Select(e => e.Code), Is.EqualTo(new[] { ValidationCodes.UnknownRelay }));
        });
    }

    [TestCase("Broadcast", TestName = "Should_refuse_a_stream_in_upper_case")]
    [TestCase("global", TestName = "Should_refuse_the_global_scope_as_a_stream")]
    [TestCase("", TestName = "Should_refuse_an_empty_stream")]
    [TestCase("news letter", TestName = "Should_refuse_a_stream_with_a_space")]
    [TestCase("news\r\nletter", TestName = "Should_refuse_a_stream_with_a_line_break")]
    [TestCase("bröadcast", TestName = "Should_refuse_a_stream_beyond_ascii")]
    public void Should_refuse_a_stream_that_is_not_a_stream_name(string stream) =>
        Assert.That(SendEmailValidator.Validate(Valid() with { Stream = stream }, Limits).Select(e => (e.Code, e.Field)),
            Is.EqualTo(new[] { (ValidationCodes.InvalidStream, "stream") }));

    [Test]
    public void Should_accept_stream_names_of_1_to_64_characters_and_refuse_65()
    {
        Assert.Multiple(() =>
        {
            foreach (var stream in new[] { "transactional", "broadcast", "b", "news.v2_eu-1", new string('a', 64) })
                Assert.That(SendEmailValidator.Validate(Valid() with { Stream = stream }, Limits), Is.Empty, stream);
            Assert.That(SendEmailValidator.Validate(Valid() with { Stream = new string('a', 65) }, Limits).Select(e => e.Code),
                Is.EqualTo(new[] { ValidationCodes.InvalidStream }));
        });
    }

    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    [Test]
    public void Should_accept_a_send_at_up_to_the_horizon_and_refuse_one_beyond_it()
    {
        var atHorizon = SendEmailValidator.Validate(Valid() with { SendAt = Now + Limits.SendAtHorizon }, Limits, Now);
        var beyond = SendEmailValidator.Validate(Valid() with { SendAt = Now + Limits.SendAtHorizon + TimeSpan.FromSeconds(1) }, Limits, Now);

        Assert.Multiple(() =>
        {
            Assert.That(atHorizon, Is.Empty);
            Assert.That(beyond.Select(e => (e.Code, e.Field)), Is.EqualTo(new[] { (ValidationCodes.SendAtBeyondHorizon, "sendAt") }));
        });
    }

    [Test]
    public void Should_take_the_horizon_from_the_limits() =>
        Assert.That(SendEmailValidator.Validate(Valid() with { SendAt = Now.AddDays(2) }, Limits with { SendAtHorizon = TimeSpan.FromDays(1) }, Now)
            .Select(e => e.Code), Is.EqualTo(new[] { ValidationCodes.SendAtBeyondHorizon }));

    [Test]
    public void Should_refuse_a_send_at_after_expires_at_even_without_a_clock()
    {
        var errors = SendEmailValidator.Validate(Valid() with { SendAt = Now.AddHours(2), ExpiresAt = Now.AddHours(1) }, Limits);

        Assert.That(errors.Select(e => (e.Code, e.Field)), Is.EqualTo(new[] { (ValidationCodes.SendAtAfterExpiry, "sendAt") }));
    }

    [Test]
    public void Should_accept_a_send_at_in_the_past_or_equal_to_expires_at() =>
        Assert.That(SendEmailValidator.Validate(Valid() with { SendAt = Now.AddDays(-1), ExpiresAt = Now.AddDays(1) }, Limits, Now)
            .Concat(SendEmailValidator.Validate(Valid() with { SendAt = Now.AddHours(1), ExpiresAt = Now.AddHours(1) }, Limits, Now)), Is.Empty);
}
