using EmailWorker.Configuration;

namespace EmailWorker.Tests;

[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
public sealed class ObservabilityOptionsTests
{
    private static readonly ObservabilityOptionsValidator Validator = new();

    [Test]
    public void Should_accept_the_defaults_and_an_empty_listener() => Assert.Multiple(() =>
    {
        Assert.That(Validator.Validate(null, new ObservabilityOptions()).Succeeded, Is.True);
        Assert.That(Validator.Validate(null, new ObservabilityOptions { Urls = "" }).Succeeded, Is.True);
        Assert.That(Validator.Validate(null, new ObservabilityOptions
        {
            Urls = "http://0.0.0.0:9464; http://[::1]:9465",
            OtlpEndpoint = "https://collector:4318",
            OtlpProtocol = "httpprotobuf",
            LogFormat = "json",
        }).Succeeded, Is.True);
    });

    [TestCase("localhost:9464", "Urls")]
    [TestCase("https://localhost:9464", "Urls")]
    [TestCase("http://localhost:9464/metrics", "Urls")]
    [TestCase("http://*:9464", "Urls")]
    public void Should_refuse_a_listener_that_is_not_plain_http_host_and_port(string urls, string key) =>
        Assert.That(Validator.Validate(null, new ObservabilityOptions { Urls = urls }).FailureMessage,
            Does.Contain($"Observability:{key}").And.Contain($"EMAILWORKER__OBSERVABILITY__{key.ToUpperInvariant()}"));

    [Test]
    public void Should_refuse_an_unknown_otlp_endpoint_protocol_or_log_format()
    {
        var result = Validator.Validate(null, new ObservabilityOptions { OtlpEndpoint = "collector:4317", OtlpProtocol = "udp", LogFormat = "xml" });

        Assert.That(result.FailureMessage, Does.Contain("Observability:OtlpEndpoint").And.Contain("Observability:OtlpProtocol").And.Contain("Observability:LogFormat"));
    }

    [TestCase(-0.1)]
    [TestCase(1.5)]
    [TestCase(double.NaN)]
    public void Should_refuse_a_trace_sample_ratio_outside_zero_to_one(double ratio) =>
        Assert.That(Validator.Validate(null, new ObservabilityOptions { TraceSampleRatio = ratio }).FailureMessage,
            Does.Contain("Observability:TraceSampleRatio").And.Contain("between 0"));
}
