using System.Text;
using EmailWorker.Configuration;
using EmailWorker.Webhooks;
using Microsoft.AspNetCore.Http;
using StandardWebhooks;

namespace EmailWorker.Tests;

/// <summary>
/// The <c>webhook-signature</c> header and the payload: Standard Webhooks' <c>v1,</c> + base64 HMAC-SHA256 of
/// <c>id.timestamp.body</c>, one per secret separated by a space, each verified by the StandardWebhooks package; the
/// webhook id is the event's, the same for a redelivered event.
/// </summary>
[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
public sealed class WebhookSignatureTests
{
    private const string OldSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string NewSecret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeSeconds(1_765_000_000);
    private const string Event = """{"messageId":"m-1","tags":{"tenant":"acme"},"outcome":"delivered","timestamp":"2026-12-07T06:00:00+00:00"}""";

    [Test]
    public void Should_sign_with_each_secret_as_v1_base64_separated_by_a_space()
    {
        var endpoint = Endpoint(OldSecret, NewSecret);

        var header = endpoint.Signature("msg_1", At, "{}");

        var parts = header.Split(' ');
        Assert.Multiple(() =>
        {
            Assert.That(parts, Has.Length.EqualTo(2));
            Assert.That(parts, Is.All.Match("^v1,[A-Za-z0-9+/]{43}=$"));
            Assert.That(parts[0], Is.EqualTo(new StandardWebhook(OldSecret).Sign("msg_1", At, "{}")));
            Assert.That(parts[1], Is.EqualTo(new StandardWebhook(NewSecret).Sign("msg_1", At, "{}")));
        });
    }

    [Test]
    public void Should_match_the_HMAC_of_id_timestamp_and_body_with_the_secret_s_bytes()
    {
        var key = Convert.FromBase64String(OldSecret["whsec_".Length..]);
        var expected = "v1," + Convert.ToBase64String(System.Security.Cryptography.HMACSHA256.HashData(key, Encoding.UTF8.GetBytes("msg_1.1765000000.{\"a\":1}")));

        Assert.That(Endpoint(OldSecret).Signature("msg_1", At, "{\"a\":1}"), Is.EqualTo(expected));
    }

    [TestCase(OldSecret)]
    [TestCase(NewSecret)]
    public void Should_verify_with_either_secret_during_rotation(string receiverSecret)
    {
        var now = DateTimeOffset.UtcNow;
        var header = Endpoint(OldSecret, NewSecret).Signature("msg_2", now, "{}");
        // One signature at a time: the package's Verify (1.1.2) never checks the last of several (see docs/webhooks.md).
        var verified = header.Split(' ').Count(signature =>
        {
            try
            {
                new StandardWebhook(receiverSecret).Verify("{}", new HeaderDictionary
                {
                    ["webhook-id"] = "msg_2",
                    ["webhook-timestamp"] = now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["webhook-signature"] = signature,
                });
                return true;
            }
            catch (StandardWebhooks.Diagnostics.WebhookVerificationException)
            {
                return false;
            }
        });
        Assert.That(verified, Is.EqualTo(1));
    }

    [Test]
    public void Should_wrap_the_event_and_give_it_the_same_id_every_time()
    {
        Assert.That(WebhookPayload.TryRead("email.delivered", Encoding.UTF8.GetBytes(Event), out var first, out _), Is.True);
        Assert.That(WebhookPayload.TryRead("email.delivered", Encoding.UTF8.GetBytes(Event), out var again, out _), Is.True);
        Assert.That(WebhookPayload.TryRead("email.deferred", Encoding.UTF8.GetBytes(Event), out var otherType, out _), Is.True);
        Assert.Multiple(() =>
        {
            Assert.That(first!.Body, Is.EqualTo("{\"type\":\"email.delivered\",\"timestamp\":\"2026-12-07T06:00:00+00:00\",\"data\":" + Event + "}"));
            Assert.That(first.WebhookId, Does.Match("^msg_[0-9a-f]{32}$"));
            Assert.That(again!.WebhookId, Is.EqualTo(first.WebhookId), "a redelivered event finds its row");
            Assert.That(otherType!.WebhookId, Is.Not.EqualTo(first.WebhookId));
            Assert.That((first.MessageId, first.Tags["tenant"]), Is.EqualTo(("m-1", "acme")));
        });
    }

    [TestCase("not json")]
    [TestCase("[1]")]
    [TestCase("{\"messageId\":\"m\"}")]
    public void Should_not_wrap_what_is_not_a_status_event(string body) =>
        Assert.That(WebhookPayload.TryRead("email.delivered", Encoding.UTF8.GetBytes(body), out _, out var problem), Is.False, problem);

    [Test]
    public void Should_want_only_its_event_types_and_messages_with_every_tag_of_its_filter()
    {
        var endpoint = WebhookEndpoint.From(new WebhookEndpointOptions
        {
            Name = "acme", Url = "https://hooks.example.com/", Secrets = [OldSecret], EventTypes = ["email.delivered"], Tags = new() { ["tenant"] = "acme" },
        });
        Assert.Multiple(() =>
        {
            Assert.That(endpoint.Wants("email.delivered", new Dictionary<string, string> { ["tenant"] = "acme", ["x"] = "y" }), Is.True);
            Assert.That(endpoint.Wants("email.delivered", new Dictionary<string, string> { ["tenant"] = "other" }), Is.False);
            Assert.That(endpoint.Wants("email.delivered", new Dictionary<string, string>()), Is.False);
            Assert.That(endpoint.Wants("email.deferred", new Dictionary<string, string> { ["tenant"] = "acme" }), Is.False);
        });
    }

    private static WebhookEndpoint Endpoint(params string[] secrets) =>
        WebhookEndpoint.From(new WebhookEndpointOptions { Name = "e", Url = "https://hooks.example.com/", Secrets = [.. secrets], EventTypes = ["email.delivered"] });
}
