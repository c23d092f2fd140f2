using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using EmailWorker.Contracts;
using EmailWorker.IntegrationTests.Support;
using EmailWorker.Publisher;
using EmailWorker.SmtpSink;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace EmailWorker.IntegrationTests.Deployment;

/// <summary>
/// The users of deploy/rabbitmq/definitions.json, each doing its job and nothing more: the topology comes from the admin
/// step, the worker runs with no configure permission, a producer publishes, the operator works the dead-letter queue and
/// sends, monitoring reads the status. The tests share the vhost, so each counts only its own messageIds.
/// </summary>
[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
[NonParallelizable]
public sealed class When_each_component_runs_as_its_own_broker_user
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Test]
    public async Task Should_deliver_retry_dead_letter_and_replay_end_to_end()
    {
        await using var smtp = new ScriptedSmtpServer();
        smtp.Start();
        var attempts = new ConcurrentDictionary<string, int>();
        var acceptRefused = 0;
        smtp.Script.OnRcptTo = recipient => recipient.StartsWith("refused@", StringComparison.Ordinal) && Volatile.Read(ref acceptRefused) == 0
            ? new SmtpReply(550, "5.1.1 No such user") : null;
        smtp.Script.OnData = (_, recipients, _) =>
            recipients[0].StartsWith("later@", StringComparison.Ordinal) && attempts.AddOrUpdate(recipients[0], 1, (_, n) => n + 1) == 1
                ? new SmtpReply(451, "4.3.0 Try again later") : null;
        await using var worker = WorkerProcess.Start(WorkerEnvironment(smtp));
        Assert.That(await worker.WaitForOutputAsync("Worker consuming", Bound), Is.True, worker.Output);

        await using (var producer = new EmailPublisher(PublisherOptions("producer")))
        {
            await producer.PublishAsync(Message("lp-plain", "ann@example.org"));
            await producer.PublishAsync(Message("lp-retried", "later@example.org"));
            await producer.PublishAsync(Message("lp-dead", "refused@example.org"));
        }
        Assert.That(await Eventually(() => Delivered(smtp).IsSupersetOf(["lp-plain", "lp-retried"])), Is.True, worker.Output);

        // The operator lists the dead letter, then replays it once the relay takes the recipient.
        var listed = await EventuallyListed("lp-dead");
        Assert.That(listed.ExitCode, Is.Zero, listed.Stderr);
        Interlocked.Exchange(ref acceptRefused, 1);
        var replay = await CliRun.RunAsync(DeploymentBroker.Environment("operator"), "dlq", "replay", "lp-dead", "--yes", "--by", "deploy-test");
        Assert.That(replay.ExitCode, Is.Zero, replay.Stderr);
        var send = await CliRun.RunAsync(DeploymentBroker.Environment("operator"), "send", "--to", "ops@example.org", "--subject", "s", "--text", "t");
        Assert.That(send.ExitCode, Is.Zero, send.Stderr);
        var sentId = send.Stdout.Trim().Split(' ')[^1];
        Assert.That(await Eventually(() => Delivered(smtp).IsSupersetOf(["lp-dead", sentId])), Is.True, worker.Output);

        var status = await CliRun.RunAsync(DeploymentBroker.Environment("monitoring"), "status", "--json");
        var copies = smtp.Messages.Select(m => WorkerTestContext.MessageIdOf(m.Data)).GroupBy(id => id).ToDictionary(g => g.Key, g => g.Count());
        Assert.Multiple(() =>
        {
            Assert.That(copies, Is.EquivalentTo(new Dictionary<string, int> { ["lp-plain"] = 1, ["lp-retried"] = 1, ["lp-dead"] = 1, [sentId] = 1 }));
            Assert.That(attempts["later@example.org"], Is.EqualTo(2));
            Assert.That(status.ExitCode, Is.Zero, status.Stderr);
            Assert.That(status.Stdout, Does.Contain("\"email.send\""));
            Assert.That(worker.Output, Does.Not.Contain("ACCESS_REFUSED"));
        });
    }

    [Test]
    public async Task Should_refuse_the_producer_reading_the_dead_letters_or_writing_to_them()
    {
        await using var connection = await Factory("producer").CreateConnectionAsync();

        var read = await RefusalAsync(connection, channel => channel.BasicGetAsync("email.dead", autoAck: false));
        var write = await RefusalAsync(connection, async channel =>
        {
            await channel.BasicPublishAsync("email.dead", "", mandatory: true, new BasicProperties(), new byte[] { 1 });
        });

        Assert.Multiple(() =>
        {
            Assert.That(read?.ReplyCode, Is.EqualTo(Constants.AccessRefused), "basic.get on email.dead");
            Assert.That(read?.ReplyText, Does.Contain("email.dead"));
            Assert.That(write?.ReplyCode, Is.EqualTo(Constants.AccessRefused), "publish to email.dead");
        });
    }

    [Test]
    public async Task Should_stop_a_worker_that_is_told_to_declare_without_configure_permission()
    {
        await using var smtp = new ScriptedSmtpServer();
        smtp.Start();
        var environment = WorkerEnvironment(smtp);
        environment["EMAILWORKER__TOPOLOGY__DECLARE"] = "true";
        await using var worker = WorkerProcess.Start(environment);

        Assert.That(await worker.WaitForExitAsync(Bound), Is.EqualTo(1), worker.Output);
        Assert.That(worker.Output, Does.Contain("ACCESS_REFUSED").And.Contain("Topology:Declare=false"));
    }

    [Test]
    public async Task Should_stop_a_passive_worker_naming_what_is_missing()
    {
        await using var smtp = new ScriptedSmtpServer();
        smtp.Start();
        var environment = WorkerEnvironment(smtp);
        environment["EMAILWORKER__TOPOLOGY__PREFIX"] = "undeclared";
        await using var worker = WorkerProcess.Start(environment);

        Assert.That(await worker.WaitForExitAsync(Bound), Is.EqualTo(1), worker.Output);
        Assert.That(worker.Output, Does.Contain("'undeclared.send' does not exist").And.Contain("emailworker topology apply"));
    }

    [Test]
    public async Task Should_reach_the_broker_through_the_next_endpoint_when_the_first_is_down()
    {
        var environment = DeploymentBroker.Environment("monitoring");
        environment["EMAILWORKER__RABBITMQ__ENDPOINTS"] = $"127.0.0.1:{UnusedPort()},127.0.0.1:{DeploymentBroker.Node.AmqpPort}";

        var status = await CliRun.RunAsync(environment, "status");

        Assert.That(status.ExitCode, Is.Zero, status.Stderr);
        Assert.That(status.Stdout, Does.Contain("email.send"));
    }

    [Test]
    public async Task Should_read_the_configuration_file_given_with_config()
    {
        var file = Path.Combine(Path.GetTempPath(), $"emailworker-config-{Guid.NewGuid():N}.json");
        var settings = DeploymentBroker.Environment("monitoring");
        await File.WriteAllTextAsync(file, $$"""
            { "RabbitMq": { "Host": "127.0.0.1", "Port": {{DeploymentBroker.Node.AmqpPort}}, "VirtualHost": "email",
                            "Username": "monitoring", "Password": "{{settings["EMAILWORKER__RABBITMQ__PASSWORD"]}}", "ManagementPort": 0 },
              "Retry": { "Schedule": "{{DeploymentBroker.RetrySchedule}}" } }
            """);
        try
        {
            var withFile = await CliRun.RunAsync(new Dictionary<string, string>(), "status", "--config", file);
            var missing = await CliRun.RunAsync(new Dictionary<string, string>(), "status", "--config", file + ".missing");

            Assert.Multiple(() =>
            {
                Assert.That(withFile.ExitCode, Is.Zero, withFile.Stderr);
                Assert.That(withFile.Stdout, Does.Contain($"broker 127.0.0.1:{DeploymentBroker.Node.AmqpPort}email"));
                Assert.That(missing.ExitCode, Is.EqualTo(2));
                Assert.That(missing.Stderr, Does.Contain("--config").And.Contain("does not exist"));
            });
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Test]
    public async Task Should_read_the_settings_of_the_environment_named_by_dotnet_environment()
    {
        // appsettings.{Environment}.json beside the executable, as a deployment would ship it; a name no other test uses.
        var environmentName = $"DeployTest{Guid.NewGuid():N}";
        var file = Path.Combine(Path.GetDirectoryName(WorkerExecutable.Path)!, $"appsettings.{environmentName}.json");
        await File.WriteAllTextAsync(file, $$"""
            { "RabbitMq": { "Host": "127.0.0.1", "Port": {{DeploymentBroker.Node.AmqpPort}}, "VirtualHost": "email",
                            "Username": "monitoring", "Password": "{{DeploymentBroker.Passwords["monitoring"]}}", "ManagementPort": 0 },
              "Retry": { "Schedule": "{{DeploymentBroker.RetrySchedule}}" } }
            """);
        try
        {
            var named = await CliRun.RunAsync(new Dictionary<string, string> { ["DOTNET_ENVIRONMENT"] = environmentName }, "status");
            var other = await CliRun.RunAsync(new Dictionary<string, string> { ["DOTNET_ENVIRONMENT"] = "Elsewhere" }, "status");

            Assert.Multiple(() =>
            {
                Assert.That(named.ExitCode, Is.Zero, named.Stderr);
                Assert.That(named.Stdout, Does.Contain($"broker 127.0.0.1:{DeploymentBroker.Node.AmqpPort}email"));
                Assert.That(other.Stderr, Does.Not.Contain($":{DeploymentBroker.Node.AmqpPort}"), "another environment reads only appsettings.json");
            });
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static Dictionary<string, string> WorkerEnvironment(ScriptedSmtpServer smtp)
    {
        var environment = DeploymentBroker.Environment("worker");
        environment["EMAILWORKER__SMTP__HOST"] = "127.0.0.1";
        environment["EMAILWORKER__SMTP__PORT"] = smtp.Port.ToString(CultureInfo.InvariantCulture);
        return environment;
    }

    private static EmailPublisherOptions PublisherOptions(string user) => new()
    {
        HostName = "127.0.0.1",
        Port = DeploymentBroker.Node.AmqpPort,
        VirtualHost = DeploymentBroker.VirtualHost,
        UserName = user,
        Password = DeploymentBroker.Passwords[user],
        Exchange = "email.send",
        Timeout = TimeSpan.FromSeconds(10),
    };

    private static ConnectionFactory Factory(string user) => new()
    {
        HostName = "127.0.0.1",
        Port = DeploymentBroker.Node.AmqpPort,
        VirtualHost = DeploymentBroker.VirtualHost,
        UserName = user,
        Password = DeploymentBroker.Passwords[user],
    };

    private static SendEmail Message(string id, string to) => new()
    {
        MessageId = id,
        From = new EmailAddress { Address = "shop@example.com" },
        To = [new EmailAddress { Address = to }],
        Subject = "least privilege",
        Text = "hi",
    };

    private static HashSet<string> Delivered(ScriptedSmtpServer smtp) =>
        smtp.Messages.Select(m => WorkerTestContext.MessageIdOf(m.Data)).ToHashSet(StringComparer.Ordinal);

    private static Task<bool> Eventually(Func<bool> condition) => WorkerTestContext.EventuallyAsync(() => Task.FromResult(condition()), Bound);

    private static async Task<(int ExitCode, string Stdout, string Stderr)> EventuallyListed(string messageId)
    {
        (int ExitCode, string Stdout, string Stderr) last = default;
        await WorkerTestContext.EventuallyAsync(async () =>
        {
            last = await CliRun.RunAsync(DeploymentBroker.Environment("operator"), "dlq", "list", "--json");
            return last.ExitCode != 0 || last.Stdout.Contains($"\"{messageId}\"", StringComparison.Ordinal);
        }, Bound);
        Assert.That(last.Stdout, Does.Contain($"\"{messageId}\""), last.Stderr);
        return last;
    }

    /// <summary>What the broker answered when it closed the channel over <paramref name="action"/>; null if it allowed it.</summary>
    private static async Task<ShutdownEventArgs?> RefusalAsync(IConnection connection, Func<IChannel, Task> action)
    {
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        try
        {
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await action(channel).WaitAsync(bound.Token);
            return null;
        }
        catch (OperationInterruptedException ex)
        {
            return ex.ShutdownReason;
        }
        catch (Exception ex) when (ex is PublishException or AlreadyClosedException)
        {
            return channel.CloseReason;
        }
    }

    private static int UnusedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
