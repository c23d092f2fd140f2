using EmailWorker.IntegrationTests.Support;

namespace EmailWorker.IntegrationTests;

[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_the_configuration_is_invalid
{
    [TestCase("EMAILWORKER__SMTP__HOST", "", "Smtp:Host")]
    [TestCase("EMAILWORKER__SMTP__PORT", "0", "Smtp:Port")]
    [TestCase("EMAILWORKER__SMTP__PORT", "", "Smtp:Port")]
    [TestCase("EMAILWORKER__SMTP__SECURITY", "Sometimes", "Smtp:Security")]
    [TestCase("EMAILWORKER__SMTP__TRUSTEDCAFILE", "/nonexistent/relay-ca.pem", "Smtp:TrustedCaFile")]
    [TestCase("EMAILWORKER__RETRY__SCHEDULE", "30s,soon", "Retry:Schedule")]
    [TestCase("EMAILWORKER__DELIVERY__CONCURRENCYLIMIT", "0", "Delivery:ConcurrencyLimit")]
    [TestCase("EMAILWORKER__OBSERVABILITY__URLS", "http://127.0.0.1:1/metrics", "Observability:Urls")]
    [TestCase("EMAILWORKER__OBSERVABILITY__LOGFORMAT", "Xml", "Observability:LogFormat")]
    [TestCase("EMAILWORKER__WEBHOOKS__SCHEDULE", "5s,soon", "Webhooks:Schedule")]
    public async Task Should_stop_at_start_up_naming_the_key(string variable, string value, string key)
    {
        await using var context = new WorkerTestContext();
        await using var worker = context.StartWorker(new Dictionary<string, string> { [variable] = value });

        var exitCode = await worker.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(2), worker.Output);
            Assert.That(worker.Output, Does.Contain(key));
            Assert.That(worker.Output, Does.Contain("Invalid configuration"));
        });
    }

    [Test]
    public async Task Should_refuse_a_webhook_endpoint_over_plain_http_without_showing_its_secret()
    {
        const string secret = "whsec_dG9vc2hvcnQ=";
        await using var context = new WorkerTestContext();
        await using var worker = context.StartWorker(new Dictionary<string, string>
        {
            ["EMAILWORKER__WEBHOOKS__ENDPOINTS__0__NAME"] = "billing",
            ["EMAILWORKER__WEBHOOKS__ENDPOINTS__0__URL"] = "http://hooks.example.com/emailworker",
            ["EMAILWORKER__WEBHOOKS__ENDPOINTS__0__SECRETS__0"] = secret,
            ["EMAILWORKER__WEBHOOKS__ENDPOINTS__0__EVENTTYPES__0"] = "email.delivered",
        });

        var exitCode = await worker.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(2), worker.Output);
            Assert.That(worker.Output, Does.Contain("Webhooks:Endpoints:0:Url is http: use https"));
            Assert.That(worker.Output, Does.Contain("Webhooks:Endpoints:0:Secrets:0 is not a Standard Webhooks secret"));
            Assert.That(worker.Output, Does.Not.Contain("dG9vc2hvcnQ"), "the secret is not shown");
        });
    }

    [Test]
    public async Task Should_refuse_the_broker_password_over_plain_http_while_amqp_uses_tls()
    {
        await using var context = new WorkerTestContext();
        // Refused before anything connects: the broker's TLS listener is not needed to show it.
        var (exitCode, stdout, stderr) = await CliRun.RunAsync(context.WorkerEnvironment(new Dictionary<string, string>
        {
            ["EMAILWORKER__RABBITMQ__TLS__ENABLED"] = "true",
            ["EMAILWORKER__RABBITMQ__MANAGEMENTHTTPS"] = "false",
        }), "status");

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(2), stdout + stderr);
            Assert.That(stderr, Does.Contain("RabbitMq:ManagementHttps").And.Contain("clear text"));
        });
    }

    [Test]
    public async Task Should_list_the_allowed_security_modes()
    {
        await using var context = new WorkerTestContext();
        await using var worker = context.StartWorker(new Dictionary<string, string> { ["EMAILWORKER__SMTP__SECURITY"] = "Sometimes" });

        await worker.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.That(worker.Output, Does.Contain("None, StartTls, SslOnConnect"));
    }

    [Test]
    public async Task Should_stop_naming_the_listener_setting_when_its_port_is_taken()
    {
        await using var context = new WorkerTestContext();
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        await using var worker = context.StartWorker(new Dictionary<string, string> { ["EMAILWORKER__OBSERVABILITY__URLS"] = $"http://127.0.0.1:{port}" });

        var exitCode = await worker.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(1), worker.Output);
            Assert.That(worker.Output, Does.Contain("Observability:Urls").And.Contain("EMAILWORKER__OBSERVABILITY__URLS"));
        });
    }
}
