using System.Net;
using System.Net.Sockets;
using EmailWorker.Contracts;
using EmailWorker.Publisher;

namespace EmailWorker.Tests;

/// <summary>
/// The publisher's timeout while every channel is busy: a broker that accepts TCP and never answers keeps the only channel
/// slot taken, and the time runs out for a second call still waiting for it. And its refusal of a bad <c>stream</c> before
/// any connection, and of a priority that names no lane.
/// </summary>
[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
public sealed class EmailPublisherTests
{
    [Test]
    public async Task Should_report_a_call_that_waited_its_whole_timeout_for_a_channel_as_timed_out()
    {
        // Listening, never accepting: the connection is made, the AMQP handshake never answered.
        var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        try
        {
            var timers = new ManualTimers();
            var options = new EmailPublisherOptions
            {
                HostName = "127.0.0.1",
                Port = ((IPEndPoint)silent.LocalEndpoint).Port,
                Channels = 1,
                Timeout = TimeSpan.FromSeconds(30),
            };
            await using var publisher = new EmailPublisher(options, timers);
            var first = publisher.PublishAsync(Message("first"));
            var second = publisher.PublishAsync(Message("second"));

            // The second call's timeout runs out while the first still holds the only channel slot.
            timers.Fire(1);
            var failure = Assert.ThrowsAsync<EmailPublishException>(() => second);
            timers.Fire(0);
            await first.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

            Assert.That((failure!.MessageId, failure.Failure), Is.EqualTo(("second", PublishFailure.TimedOut)));
        }
        finally
        {
            silent.Stop();
        }
    }

    [Test]
    public async Task Should_refuse_a_stream_that_is_not_a_stream_name_before_connecting_and_carry_a_good_one()
    {
        // Nothing listens on the port: a refusal that got as far as connecting would be a connection failure, not invalid_stream.
        var options = new EmailPublisherOptions { HostName = "127.0.0.1", Port = 9, Timeout = TimeSpan.FromSeconds(5) };
        await using var publisher = new EmailPublisher(options);

        var refused = Assert.ThrowsAsync<EmailValidationException>(() => publisher.PublishAsync(Message("m-1") with { Stream = "Broadcast" }));
        var body = System.Text.Json.JsonSerializer.Serialize(Message("m-2") with { Stream = "broadcast" }, ContractsJsonContext.Default.SendEmail);

        Assert.Multiple(() =>
        {
            Assert.That(refused!.Errors.Select(e => (e.Code, e.Field)), Is.EqualTo(new[] { (ValidationCodes.InvalidStream, "stream") }));
            Assert.That(body, Does.Contain("\"stream\":\"broadcast\""), "the field as the schema names it");
        });
    }

    [TestCase("urgent")]
    [TestCase("High")]
    [TestCase("")]
    public async Task Should_refuse_a_priority_that_names_no_lane_before_connecting(string priority)
    {
        // Nothing listens on the port: a refusal that got as far as connecting would be a connection failure, not invalid_priority.
        var options = new EmailPublisherOptions { HostName = "127.0.0.1", Port = 9, Timeout = TimeSpan.FromSeconds(5) };
        await using var publisher = new EmailPublisher(options);

        var refused = Assert.ThrowsAsync<EmailValidationException>(() => publisher.PublishAsync(Message("m-1") with { Priority = priority }));

        Assert.That(refused!.Errors.Select(e => (e.Code, e.Field)), Is.EqualTo(new[] { (ValidationCodes.InvalidPriority, "priority") }));
    }

    private static SendEmail Message(string id) => new()
    {
        MessageId = id,
        From = new EmailAddress { Address = "shop@example.com" },
        To = [new EmailAddress { Address = "ann@example.org" }],
        Text = "hi",
    };

    /// <summary>Real time for everything but timers: a timer fires when the test says so, in the order they were made.</summary>
    private sealed class ManualTimers : TimeProvider
    {
        private readonly List<(TimerCallback Callback, object? State)> _timers = [];

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            lock (_timers)
                _timers.Add((callback, state));
            return new HeldTimer();
        }

        public void Fire(int index)
        {
            (TimerCallback Callback, object? State) timer;
            lock (_timers)
                timer = _timers[index];
            timer.Callback(timer.State);
        }

        private sealed class HeldTimer : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }
}
