using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using EmailWorker.Contracts;
using EmailWorker.IntegrationTests.Support;
using EmailWorker.Publisher;
using RabbitMQ.Client;
using EmailWorker.TestSupport;

namespace EmailWorker.IntegrationTests;

[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_publishing_with_the_email_publisher
{
    private static SendEmail Message(string id) => new()
    {
        MessageId = id,
        From = new EmailAddress { Address = "shop@example.com" },
        To = [new EmailAddress { Address = "ann@example.org" }],
        Text = "hi",
    };

    private static EmailPublisherOptions Options(BrokerEndpoint broker, string exchange) => new()
    {
        HostName = broker.Host,
        Port = broker.Port,
        VirtualHost = broker.VirtualHost,
        UserName = broker.Username,
        Password = broker.Password,
        Exchange = exchange,
        // Bounds each call's wait (connection, channel, confirm) on a loaded machine; no test here asserts a timeout, and it
        // stays below the 30 s bound of the unreachable broker's test.
        Timeout = TimeSpan.FromSeconds(20),
    };

    [Test]
    public async Task Should_send_the_callers_trace_as_a_traceparent_header()
    {
        await using var context = new WorkerTestContext();
        await context.DeclareWorkQueueAsync();
        await using var publisher = new EmailPublisher(Options(context.Broker, context.WorkQueue));
        using var checkout = new System.Diagnostics.Activity("checkout").SetIdFormat(System.Diagnostics.ActivityIdFormat.W3C).Start();
        checkout.TraceStateString = "shop=1";

        await publisher.PublishAsync(Message("traced-publish"));
        checkout.Stop();

        var connection = await context.ConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var got = await channel.BasicGetAsync(context.WorkQueue, autoAck: true);
        Assert.That(got, Is.Not.Null);
        var headers = got!.BasicProperties.Headers!;
        Assert.Multiple(() =>
        {
            Assert.That(System.Text.Encoding.UTF8.GetString((byte[])headers["traceparent"]!), Is.EqualTo(checkout.Id));
            Assert.That(System.Text.Encoding.UTF8.GetString((byte[])headers["tracestate"]!), Is.EqualTo("shop=1"));
        });
    }

    [Test]
    public async Task Should_refuse_an_invalid_message_before_sending_anything()
    {
        await using var context = new WorkerTestContext();
        await context.DeclareWorkQueueAsync();
        await using var publisher = new EmailPublisher(Options(context.Broker, context.WorkQueue));

        var refused = Assert.ThrowsAsync<EmailValidationException>(() => publisher.PublishAsync(Message("bad id!") with { To = [] }));

        Assert.That(refused!.Errors.Select(e => e.Code), Is.EquivalentTo(new[] { ValidationCodes.InvalidMessageId, ValidationCodes.MissingRecipient }));
        Assert.That(await context.BecomesEmptyAsync(context.WorkQueue), Is.True);
    }

    [Test]
    public async Task Should_fail_with_a_clear_exception_when_the_broker_is_not_there()
    {
        var stopped = new BrokerEndpoint("127.0.0.1", UnusedPort(), "/", "guest", "guest");
        await using var publisher = new EmailPublisher(Options(stopped, "email.send"));

        // The bound only keeps a hang from stalling the run; the assertion is about what is thrown.
        var failure = await Capture(() => publisher.PublishAsync(Message("to-nowhere")).WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.That(failure, Is.InstanceOf<EmailPublishException>());
        Assert.That(((EmailPublishException)failure!).Failure, Is.EqualTo(PublishFailure.Unreachable));
        Assert.That(failure.Message, Does.Contain("cannot be reached").And.Contain("to-nowhere"));
    }

    [Test]
    public async Task Should_throw_when_the_exchange_is_missing_or_routes_nowhere()
    {
        await using var context = new WorkerTestContext();
        var connection = await context.ConnectionAsync();
        await using (var channel = await connection.CreateChannelAsync())
            await channel.ExchangeDeclareAsync($"{context.Prefix}.unbound", ExchangeType.Fanout, durable: false, autoDelete: true);
        await using var missing = new EmailPublisher(Options(context.Broker, $"{context.Prefix}.missing"));
        await using var unbound = new EmailPublisher(Options(context.Broker, $"{context.Prefix}.unbound"));

        var toMissing = await Capture(() => missing.PublishAsync(Message("m-missing")));
        var toUnbound = await Capture(() => unbound.PublishAsync(Message("m-unbound")));

        Assert.Multiple(() =>
        {
            Assert.That((toMissing as EmailPublishException)?.Failure, Is.EqualTo(PublishFailure.Refused), toMissing?.ToString());
            Assert.That(toMissing?.Message, Does.Contain("does not exist"));
            Assert.That((toUnbound as EmailPublishException)?.Failure, Is.EqualTo(PublishFailure.Unroutable), toUnbound?.ToString());
        });
        // A publisher that failed is still usable once the exchange is there.
        await context.DeclareWorkQueueAsync();
        await using var working = new EmailPublisher(Options(context.Broker, context.WorkQueue));
        await working.PublishAsync(Message("after-failures"));
        Assert.That(await context.MessageCountAsync(context.WorkQueue), Is.EqualTo(1));
    }

    [Test]
    public async Task Should_confirm_a_thousand_concurrent_publishes_each_arriving_once()
    {
        const int Tasks = 8, PerTask = 125;
        await using var context = new WorkerTestContext();
        await context.DeclareWorkQueueAsync();
        await using var publisher = new EmailPublisher(Options(context.Broker, context.WorkQueue));

        await Task.WhenAll(Enumerable.Range(0, Tasks).Select(task => Task.Run(async () =>
        {
            for (var i = 0; i < PerTask; i++)
                await publisher.PublishAsync(Message($"concurrent-{task}-{i}"));
        })));

        var received = new ConcurrentBag<string>();
        var connection = await context.ConnectionAsync();
        await using (var channel = await connection.CreateChannelAsync())
        {
            while (await channel.BasicGetAsync(context.WorkQueue, autoAck: true) is { } result)
                received.Add(result.BasicProperties.MessageId!);
        }
        Assert.That(received, Has.Count.EqualTo(Tasks * PerTask));
        Assert.That(received.Distinct().Count(), Is.EqualTo(Tasks * PerTask));
    }

    [Test]
    public async Task Should_be_delivered_by_the_worker()
    {
        await using var context = new WorkerTestContext();
        await using var worker = context.StartWorker();
        Assert.That(await worker.WaitForOutputAsync("Worker consuming", TimeSpan.FromSeconds(30)), Is.True, worker.Output);
        await using var publisher = new EmailPublisher(Options(context.Broker, context.WorkQueue));

        await publisher.PublishAsync(Message("via-publisher"));

        Assert.That(await context.Smtp.WaitForMessagesAsync(1, TimeSpan.FromSeconds(30)), Is.True, worker.Output);
        Assert.That(context.DeliveredMessageIds(), Is.EquivalentTo(new[] { "via-publisher" }));
    }

    private static async Task<Exception?> Capture(Func<Task> action)
    {
        try
        {
            await action();
            return null;
        }
        catch (Exception ex) when (ex is not AssertionException)
        {
            return ex;
        }
    }

    private static int UnusedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
