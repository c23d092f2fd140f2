using System.Text.Json;
using EmailWorker.Contracts;
using EmailWorker.IntegrationTests.Support;
using EmailWorker.SmtpSink;
using MassTransit;

namespace EmailWorker.IntegrationTests;

[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_a_dotnet_service_publishes_through_masstransit
{
    [Test]
    public async Task Should_deliver_the_command_from_the_masstransit_envelope()
    {
        await using var context = new WorkerTestContext();
        await using var worker = context.StartWorker();
        Assert.That(await worker.WaitForOutputAsync("Worker consuming", TimeSpan.FromSeconds(30)), Is.True, worker.Output);
        await PublishAsync(context, new SendEmail
        {
            MessageId = "masstransit-1",
            To = [new EmailAddress { Address = "bob@example.org", Name = "Bob" }],
            Subject = "Sent through MassTransit",
            Text = "envelope body",
        });

        Assert.That(await context.Smtp.WaitForMessagesAsync(1, TimeSpan.FromSeconds(30)), Is.True, worker.Output);
        var received = context.Smtp.Messages.Single();
        using var stream = new MemoryStream(received.Data);
        var mail = MimeKit.MimeMessage.Load(stream);
        Assert.Multiple(() =>
        {
            Assert.That(received.Recipients, Is.EqualTo(new[] { "bob@example.org" }));
            Assert.That(mail.Subject, Is.EqualTo("Sent through MassTransit"));
            Assert.That(mail.MessageId, Is.EqualTo("masstransit-1@emailworker.local"));
            Assert.That(mail.TextBody?.TrimEnd(), Is.EqualTo("envelope body"));
        });
    }

    [Test]
    public async Task Should_deliver_a_dead_lettered_envelope_exactly_once_when_it_is_replayed()
    {
        await using var context = new WorkerTestContext();
        // The relay refuses the recipient for good: the worker dead-letters the envelope, and its ingester stores it.
        context.Smtp.Script.OnRcptTo = _ => new SmtpReply(550, "5.1.1 scripted: no such user");
        await using var worker = await context.StartConsumingAsync();
        await PublishAsync(context, new SendEmail
        {
            MessageId = "masstransit-replayed",
            To = [new EmailAddress { Address = "carol@example.org" }],
            Subject = "Replayed through MassTransit",
            Text = "envelope body",
        });
        (int ExitCode, string Stdout, string Stderr) stored = default;
        Assert.That(await WorkerTestContext.EventuallyAsync(async () =>
            (stored = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "list", "--json")).ExitCode == 0
            && JsonDocument.Parse(stored.Stdout).RootElement.GetArrayLength() == 1, TimeSpan.FromSeconds(60)), Is.True, $"{stored.Stderr}\n{worker.Output}");

        // The relay is mended; the operator replays the letter.
        context.Smtp.Script.OnRcptTo = _ => null;
        var replay = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "replay", "--all", "--yes");
        Assert.That(replay.ExitCode, Is.Zero, replay.Stderr);
        var delivered = await context.Smtp.WaitForMessagesAsync(1, TimeSpan.FromSeconds(30));
        Assert.That(await context.BecomesEmptyAsync(context.WorkQueue, TimeSpan.FromSeconds(30)), Is.True, worker.Output);
        var left = await CliRun.RunAsync(context.WorkerEnvironment(), "dlq", "list", "--json");

        Assert.Multiple(() =>
        {
            Assert.That(delivered, Is.True, $"the replayed envelope reached the SMTP server\n{worker.Output}");
            Assert.That(context.CopiesByRecipient().GetValueOrDefault("carol@example.org")?.Count ?? 0, Is.EqualTo(1), "exactly once");
            Assert.That(context.DeliveredMessageIds(), Is.EquivalentTo(new[] { "masstransit-replayed" }));
            Assert.That(JsonDocument.Parse(left.Stdout).RootElement.GetArrayLength(), Is.Zero,
                $"not dead-lettered again (as an invalid bare command): {left.Stdout}");
        });
    }

    /// <summary>Publishes through a real MassTransit bus: the one line a producer needs sends SendEmail to the work exchange.</summary>
    private static async Task PublishAsync(WorkerTestContext context, SendEmail message)
    {
        var broker = context.Broker;
        var bus = Bus.Factory.CreateUsingRabbitMq(configure =>
        {
            configure.Host(broker.Host, (ushort)broker.Port, broker.VirtualHost, host =>
            {
                host.Username(broker.Username);
                host.Password(broker.Password);
            });
            configure.Message<SendEmail>(m => m.SetEntityName(context.WorkQueue));
        });
        await bus.StartAsync();
        try
        {
            await bus.Publish(message);
        }
        finally
        {
            await bus.StopAsync();
        }
    }
}
