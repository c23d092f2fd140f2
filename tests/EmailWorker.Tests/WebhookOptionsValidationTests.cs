using EmailWorker.Configuration;

namespace EmailWorker.Tests;

/// <summary><c>Webhooks</c> checked at start-up: each message names the key to fix, and never shows a secret.</summary>
[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
public sealed class WebhookOptionsValidationTests
{
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    private static WebhookEndpointOptions Endpoint(string name = "billing", string url = "https://hooks.example.com/emailworker", string[]? secrets = null,
        string[]? eventTypes = null) =>
        new() { Name = name, Url = url, Secrets = [.. secrets ?? [Secret]], EventTypes = [.. eventTypes ?? ["email.delivered"]] };

    private static string? Validate(WebhookOptions options) => new WebhookOptionsValidator().Validate(null, options).FailureMessage;

    private static string? Validate(params WebhookEndpointOptions[] endpoints) => Validate(new WebhookOptions { Endpoints = [.. endpoints] });

    [Test]
    public void Should_accept_the_defaults_with_no_endpoint() => Assert.That(Validate(new WebhookOptions()), Is.Null);

    [Test]
    public void Should_accept_an_https_endpoint_with_two_secrets() =>
        Assert.That(Validate(Endpoint(secrets: [Secret, "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"], eventTypes: ["email.delivered", "email.dead-lettered"])), Is.Null);

    [TestCase("http://hooks.example.com/x", "use https")]
    [TestCase("http://127.0.0.1:8080/x", "AllowLoopbackHttp")]
    [TestCase("ftp://hooks.example.com/x", "is not an http(s) URL")]
    [TestCase("/relative", "is not an http(s) URL")]
    [TestCase("https://user:pw@hooks.example.com/x", "leave credentials out of the URL")]
    public void Should_refuse_a_url_that_is_not_https(string url, string hint) =>
        Assert.That(Validate(Endpoint(url: url)), Does.Contain("Webhooks:Endpoints:0:Url").And.Contain(hint).And.Contain("EMAILWORKER__WEBHOOKS__ENDPOINTS__0__URL"));

    [TestCase("http://127.0.0.1:8080/x")]
    [TestCase("http://[::1]:8080/x")]
    [TestCase("http://localhost:8080/x")]
    public void Should_allow_http_to_loopback_only_when_told(string url) =>
        Assert.That(Validate(new WebhookOptions { AllowLoopbackHttp = true, Endpoints = [Endpoint(url: url)] }), Is.Null);

    [Test]
    public void Should_refuse_http_to_another_host_even_with_loopback_allowed() =>
        Assert.That(Validate(new WebhookOptions { AllowLoopbackHttp = true, Endpoints = [Endpoint(url: "http://10.0.0.1/x")] }), Does.Contain("use https"));

    [TestCase("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", TestName = "no whsec_ prefix")]
    [TestCase("whsec_not base64!", TestName = "not base64")]
    [TestCase("whsec_c2hvcnQ=", TestName = "too short")]
    public void Should_refuse_a_secret_that_is_not_a_standard_webhooks_secret_without_showing_it(string secret)
    {
        var message = Validate(Endpoint(secrets: [secret]));
        Assert.That(message, Does.Contain("Webhooks:Endpoints:0:Secrets:0").And.Contain("whsec_"));
        Assert.That(message, Does.Not.Contain(secret));
    }

    [Test]
    public void Should_refuse_none_or_three_secrets() =>
        Assert.Multiple(() =>
        {
            Assert.That(Validate(Endpoint(secrets: [])), Does.Contain("Webhooks:Endpoints:0:Secrets has 0 secrets"));
            Assert.That(Validate(Endpoint(secrets: [Secret, Secret, Secret])), Does.Contain("has 3 secrets"));
        });

    [Test]
    public void Should_refuse_unknown_or_no_event_types() =>
        Assert.Multiple(() =>
        {
            Assert.That(Validate(Endpoint(eventTypes: ["email.opened"])), Does.Contain("Webhooks:Endpoints:0:EventTypes has 'email.opened'"));
            Assert.That(Validate(Endpoint(eventTypes: [])), Does.Contain("EventTypes is empty"));
        });

    [Test]
    public void Should_refuse_a_name_used_twice_or_not_a_name() =>
        Assert.Multiple(() =>
        {
            Assert.That(Validate(Endpoint(), Endpoint()), Does.Contain("Webhooks:Endpoints:1:Name 'billing' names another endpoint"));
            Assert.That(Validate(Endpoint(name: "a b")), Does.Contain("Webhooks:Endpoints:0:Name is not a name"));
        });

    [TestCase("Schedule", "soon")]
    [TestCase("Timeout", "1h")]
    [TestCase("MaxRetryAfter", "2d")]
    public void Should_refuse_durations_out_of_range(string key, string value)
    {
        var options = new WebhookOptions();
        typeof(WebhookOptions).GetProperty(key)!.SetValue(options, value);
        Assert.That(Validate(options), Does.Contain($"Webhooks:{key}"));
    }
}
