using EmailWorker.Contracts;
using EmailWorker.IntegrationTests.Support;
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
        var broker = context.Broker;
        var bus = Bus.Factory.CreateUsingRabbitMq(configure =>
        {
            configure.Host(broker.Host, (ushort)broker.Port, broker.VirtualHost, host =>
            {
                host.Username(broker.Username);
                host.Password(broker.Password);
            });
            // The one line a MassTransit producer needs: publish SendEmail to the work exchange.
            configure.Message<SendEmail>(message => message.SetEntityName(context.WorkQueue));
        });
        await bus.StartAsync();
        try
        {
            await bus.Publish(new SendEmail
            {
                MessageId = "masstransit-1",
                To = [new EmailAddress { Address = "bob@example.org", Name = "Bob" }],
                Subject = "Sent through MassTransit",
                Text = "envelope body",
            });
        }
        finally
        {
            await bus.StopAsync();
        }

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
}
