using EmailWorker.IntegrationTests.Support;

namespace EmailWorker.IntegrationTests;

[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_secrets_are_configured
{
    private const string SmtpPassword = "smtp-Pa55-7f3a9c";
    private const string WrongSmtpPassword = "smtp-Wr0ng-1b2c3d";
    private const string WrongBrokerPassword = "amqp-Wr0ng-9e8d7c";
    private const string BrokerPassword = "amqp-Pa55-4d5e6f";

    [Test]
    public async Task Should_never_write_the_smtp_or_broker_password_to_the_log()
    {
        await using var context = new WorkerTestContext();
        context.Smtp.Script.Credentials = ("mailer", SmtpPassword);
        // The scripted relay has no TLS here: these tests are about the log, not the transport.
        var secrets = new Dictionary<string, string>
        {
            ["EMAILWORKER__SMTP__USERNAME"] = "mailer",
            ["EMAILWORKER__SMTP__PASSWORD"] = SmtpPassword,
            ["EMAILWORKER__SMTP__ALLOWPLAINTEXTAUTH"] = "true",
        };
        var brokerPassword = await BrokerUserWithPasswordAsync(secrets);
        await using var worker = context.StartWorker(secrets);
        Assert.That(await worker.WaitForOutputAsync("Worker consuming", TimeSpan.FromSeconds(30)), Is.True, worker.Output);

        await context.PublishJsonAsync([SampleMessages.Simple("secret-1")]);

        Assert.That(await context.Smtp.WaitForMessagesAsync(1, TimeSpan.FromSeconds(30)), Is.True, "the login should work\n" + worker.Output);
        await worker.TerminateAsync();
        await worker.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.That(worker.Output, Does.Not.Contain(SmtpPassword));
        Assert.That(worker.Output, Does.Not.Contain(brokerPassword));
    }

    /// <summary>On the tests' own node, a user with a distinctive password; on an external broker, its configured one.</summary>
    private static async Task<string> BrokerUserWithPasswordAsync(Dictionary<string, string> environment)
    {
        if (BrokerSetUp.Node is not { } node)
            return BrokerSetUp.Endpoint.Password;
        await node.ControlAsync("add_user", "secretive", BrokerPassword);
        await node.ControlAsync("set_permissions", "-p", "/", "secretive", ".*", ".*", ".*");
        environment["EMAILWORKER__RABBITMQ__USERNAME"] = "secretive";
        environment["EMAILWORKER__RABBITMQ__PASSWORD"] = BrokerPassword;
        return BrokerPassword;
    }

    [Test]
    public async Task Should_not_write_a_refused_smtp_password_to_the_log()
    {
        await using var context = new WorkerTestContext();
        context.Smtp.Script.Credentials = ("mailer", SmtpPassword);
        // The scripted relay has no TLS here: these tests are about the log, not the transport.
        var secrets = new Dictionary<string, string>
        {
            ["EMAILWORKER__SMTP__USERNAME"] = "mailer",
            ["EMAILWORKER__SMTP__PASSWORD"] = WrongSmtpPassword,
            ["EMAILWORKER__SMTP__ALLOWPLAINTEXTAUTH"] = "true",
        };
        await using var worker = context.StartWorker(secrets);
        Assert.That(await worker.WaitForOutputAsync("Worker consuming", TimeSpan.FromSeconds(30)), Is.True, worker.Output);

        await context.PublishJsonAsync([SampleMessages.Simple("secret-2")]);

        Assert.That(await worker.WaitForOutputAsync("SMTP relay unusable", TimeSpan.FromSeconds(30)), Is.True, worker.Output);
        Assert.That(worker.Output, Does.Not.Contain(WrongSmtpPassword));
    }

    [Test]
    public async Task Should_not_write_a_refused_broker_password_to_the_log()
    {
        await using var context = new WorkerTestContext();
        await using var worker = context.StartWorker(new Dictionary<string, string> { ["EMAILWORKER__RABBITMQ__PASSWORD"] = WrongBrokerPassword });

        var exitCode = await worker.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(1), worker.Output);
            Assert.That(worker.Output, Does.Contain("RabbitMq:Password"));
            Assert.That(worker.Output, Does.Not.Contain(WrongBrokerPassword));
        });
    }
}
