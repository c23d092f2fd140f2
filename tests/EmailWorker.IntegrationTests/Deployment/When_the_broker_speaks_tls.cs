using System.Globalization;
using EmailWorker.Contracts;
using EmailWorker.IntegrationTests.Support;
using EmailWorker.Publisher;
using EmailWorker.Publisher.Connection;
using EmailWorker.SmtpSink;

namespace EmailWorker.IntegrationTests.Deployment;

/// <summary>
/// AMQP over TLS against a node whose certificate a test CA signed and which requires a client certificate: the worker, the
/// CLI and <see cref="EmailPublisher"/> connect with the CA as their only trust, and every way the peer could fail
/// verification is refused.
/// </summary>
[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
[NonParallelizable]
public sealed class When_the_broker_speaks_tls
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Test]
    public async Task Should_deliver_with_the_worker_and_the_publisher_on_tls_only()
    {
        await using var smtp = new ScriptedSmtpServer();
        smtp.Start();
        var environment = TlsEnvironment("worker");
        environment["EMAILWORKER__SMTP__HOST"] = "127.0.0.1";
        environment["EMAILWORKER__SMTP__PORT"] = smtp.Port.ToString(CultureInfo.InvariantCulture);
        await using var worker = WorkerProcess.Start(environment);
        Assert.That(await worker.WaitForOutputAsync("Worker consuming", Bound), Is.True, worker.Output);

        await using (var publisher = new EmailPublisher(new EmailPublisherOptions
        {
            Endpoints = $"127.0.0.1:{DeploymentBroker.Node.TlsPort}",
            VirtualHost = DeploymentBroker.VirtualHost,
            UserName = "producer",
            Password = DeploymentBroker.Passwords["producer"],
            Tls = Tls(DeploymentBroker.Authority),
            Timeout = TimeSpan.FromSeconds(10),
        }))
        {
            await publisher.PublishAsync(new SendEmail
            {
                MessageId = "tls-1",
                From = new EmailAddress { Address = "shop@example.com" },
                To = [new EmailAddress { Address = "ann@example.org" }],
                Text = "over tls",
            });
        }

        Assert.That(await smtp.WaitForMessagesAsync(1, Bound), Is.True, worker.Output);
        Assert.Multiple(() =>
        {
            Assert.That(smtp.Messages.Select(m => WorkerTestContext.MessageIdOf(m.Data)), Is.EqualTo(new[] { "tls-1" }));
            Assert.That(worker.Output, Does.Contain($"Connected to RabbitMQ at 127.0.0.1:{DeploymentBroker.Node.TlsPort}"));
        });
    }

    [Test]
    public async Task Should_refuse_a_broker_whose_certificate_another_ca_signed()
    {
        var environment = TlsEnvironment("monitoring");
        environment["EMAILWORKER__RABBITMQ__TLS__CAFILE"] = DeploymentBroker.OtherAuthority.CaFile;

        var status = await CliRun.RunAsync(environment, "status");

        Assert.That(status.ExitCode, Is.EqualTo(1));
        Assert.That(status.Stderr, Does.Contain("failed the TLS handshake").And.Contain("RabbitMq:Tls:CaFile"));
    }

    [Test]
    public async Task Should_refuse_a_broker_the_system_trusts_when_another_ca_is_named()
    {
        // The process's system roots are the broker's CA alone (SSL_CERT_FILE): without a CA file the broker is trusted…
        var environment = TlsEnvironment("monitoring");
        foreach (var (key, value) in When_the_relay_needs_tls.SystemRoots(DeploymentBroker.Authority.CaFile))
            environment[key] = value;
        environment["EMAILWORKER__RABBITMQ__TLS__CAFILE"] = "";
        var systemOnly = await CliRun.RunAsync(environment, "status");
        // …but naming another CA means that CA only.
        environment["EMAILWORKER__RABBITMQ__TLS__CAFILE"] = DeploymentBroker.OtherAuthority.CaFile;
        var otherCa = await CliRun.RunAsync(environment, "status");

        Assert.Multiple(() =>
        {
            Assert.That(systemOnly.ExitCode, Is.Zero, systemOnly.Stderr);
            Assert.That(otherCa.ExitCode, Is.EqualTo(1), otherCa.Stdout);
            Assert.That(otherCa.Stderr, Does.Contain("failed the TLS handshake").And.Contain("RabbitMq:Tls:CaFile"));
        });
    }

    [Test]
    public async Task Should_refuse_a_broker_under_another_name()
    {
        var environment = TlsEnvironment("monitoring");
        environment["EMAILWORKER__RABBITMQ__TLS__SERVERNAME"] = "rabbit.elsewhere.example";

        var status = await CliRun.RunAsync(environment, "status");

        Assert.That(status.ExitCode, Is.EqualTo(1));
        Assert.That(status.Stderr, Does.Contain("failed the TLS handshake"));
    }

    [Test]
    public async Task Should_be_refused_by_the_broker_without_a_client_certificate()
    {
        var environment = TlsEnvironment("monitoring");
        environment.Remove("EMAILWORKER__RABBITMQ__TLS__CLIENTCERTIFICATEFILE");
        environment.Remove("EMAILWORKER__RABBITMQ__TLS__CLIENTCERTIFICATEPASSWORD");

        var status = await CliRun.RunAsync(environment, "status");

        Assert.That(status.ExitCode, Is.EqualTo(1), status.Stdout);
        Assert.That(status.Stderr, Does.Not.Contain(DeploymentBroker.Authority.ClientCertificatePassword));
    }

    [Test]
    public async Task Should_read_the_status_over_tls_with_the_test_ca()
    {
        var status = await CliRun.RunAsync(TlsEnvironment("monitoring"), "status");

        Assert.That(status.ExitCode, Is.Zero, status.Stderr);
        Assert.That(status.Stdout, Does.Contain($"broker 127.0.0.1:{DeploymentBroker.Node.TlsPort}email"));
    }

    [Test]
    public async Task Should_read_unacked_counts_from_the_management_api_over_verified_https()
    {
        var environment = TlsEnvironment("monitoring");
        environment["EMAILWORKER__RABBITMQ__MANAGEMENTHTTPS"] = "true";
        environment["EMAILWORKER__RABBITMQ__MANAGEMENTPORT"] = DeploymentBroker.Node.ManagementTlsPort.ToString(CultureInfo.InvariantCulture);

        var trusted = await CliRun.RunAsync(environment, "status");
        environment["EMAILWORKER__RABBITMQ__TLS__CAFILE"] = DeploymentBroker.OtherAuthority.CaFile;
        environment["EMAILWORKER__RABBITMQ__ENDPOINTS"] = $"127.0.0.1:{DeploymentBroker.Node.AmqpPort}";
        environment["EMAILWORKER__RABBITMQ__TLS__ENABLED"] = "false";
        var untrusted = await CliRun.RunAsync(environment, "status");

        Assert.Multiple(() =>
        {
            Assert.That(trusted.ExitCode, Is.Zero, trusted.Stderr);
            Assert.That(trusted.Stdout, Does.Not.Contain("unacked unknown"), "the https API answered");
            // Plain AMQP still works, but the API's certificate is not from the trusted CA: counts unknown, nothing accepted.
            Assert.That(untrusted.ExitCode, Is.Zero, untrusted.Stderr);
            Assert.That(untrusted.Stdout, Does.Contain($"unacked unknown: the management API at https://127.0.0.1:{DeploymentBroker.Node.ManagementTlsPort} cannot be reached"));
        });
    }

    private static Dictionary<string, string> TlsEnvironment(string user)
    {
        var environment = DeploymentBroker.Environment(user);
        var tls = Tls(DeploymentBroker.Authority);
        environment["EMAILWORKER__RABBITMQ__ENDPOINTS"] = $"127.0.0.1:{DeploymentBroker.Node.TlsPort}";
        environment["EMAILWORKER__RABBITMQ__TLS__ENABLED"] = "true";
        environment["EMAILWORKER__RABBITMQ__TLS__CAFILE"] = tls.CaFile;
        environment["EMAILWORKER__RABBITMQ__TLS__CLIENTCERTIFICATEFILE"] = tls.ClientCertificateFile;
        environment["EMAILWORKER__RABBITMQ__TLS__CLIENTCERTIFICATEPASSWORD"] = tls.ClientCertificatePassword;
        return environment;
    }

    private static AmqpTlsOptions Tls(TestSupport.BrokerTlsFiles authority) => new()
    {
        Enabled = true,
        CaFile = authority.CaFile,
        ClientCertificateFile = authority.ClientCertificateFile,
        ClientCertificatePassword = authority.ClientCertificatePassword,
    };
}
