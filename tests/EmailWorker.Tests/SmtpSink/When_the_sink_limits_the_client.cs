using EmailWorker.SmtpSink;
using MailKit.Net.Smtp;

namespace EmailWorker.Tests.SmtpSink;

[TestFixture]
[CancelAfter(60_000)]
public sealed class When_the_sink_limits_the_client
{
    private ScriptedSmtpServer _server = null!;

    [SetUp]
    public void StartServer()
    {
        _server = new ScriptedSmtpServer();
        _server.Start();
    }

    [TearDown]
    public async Task StopServer() => await _server.DisposeAsync();

    [Test]
    public async Task Should_refuse_transactions_beyond_the_rate_with_the_throttling_reply()
    {
        _server.Limits.MaxTransactionsPerSecond = 3;
        using var client = await SinkClient.ConnectAsync(_server);
        var refusals = new List<SmtpCommandException>();
        // Eight at once: however a second of the clock splits them, one second holds more than three.
        for (var i = 0; i < 8; i++)
        {
            try
            {
                await SinkClient.SendAsync(client, SinkClient.Message($"m{i}"));
            }
            catch (SmtpCommandException refused)
            {
                refusals.Add(refused);
            }
        }
        Assert.Multiple(() =>
        {
            Assert.That(refusals, Is.Not.Empty, "eight transactions at once against three a second");
            Assert.That(refusals.Select(r => (int)r.StatusCode), Is.All.EqualTo(454));
            Assert.That(refusals.Select(r => r.Message), Is.All.Contains("Maximum sending rate exceeded"));
            Assert.That(refusals.Select(r => r.ErrorCode), Is.All.EqualTo(SmtpErrorCode.SenderNotAccepted));
            Assert.That(_server.Limits.RateRefusals, Is.EqualTo(refusals.Count));
            Assert.That(_server.AcceptedCount, Is.EqualTo(8 - refusals.Count));
        });
    }

    [Test]
    public async Task Should_take_transactions_again_in_the_next_second()
    {
        _server.Limits.MaxTransactionsPerSecond = 1;
        _server.Limits.ThrottleReply = ThrottleReplies.Office365Threads;
        using var client = await SinkClient.ConnectAsync(_server);
        var refused = 0;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (_server.AcceptedCount < 3)
        {
            try
            {
                await SinkClient.SendAsync(client, SinkClient.Message(), deadline.Token);
            }
            catch (SmtpCommandException throttled) when ((int)throttled.StatusCode == 432)
            {
                refused++;
                await Task.Delay(50, deadline.Token);
            }
        }
        Assert.Multiple(() =>
        {
            Assert.That(refused, Is.GreaterThan(0));
            Assert.That(_server.Limits.RateRefusals, Is.EqualTo(refused));
        });
    }

    [TestCase(ConnectionRefusalStage.Greeting)]
    [TestCase(ConnectionRefusalStage.Ehlo)]
    public async Task Should_refuse_the_connection_beyond_the_limit_with_421_and_close_it(ConnectionRefusalStage stage)
    {
        _server.Limits.MaxConnections = 2;
        _server.Limits.RefuseConnectionsAt = stage;
        using var first = await SinkClient.ConnectAsync(_server);
        using var second = await SinkClient.ConnectAsync(_server);
        using var third = SinkClient.Create();
        var refusal = Assert.CatchAsync(async () => await third.ConnectAsync("127.0.0.1", _server.Port, MailKit.Security.SecureSocketOptions.None));
        Assert.Multiple(() =>
        {
            // At EHLO MailKit tries HELO on the closed connection and reports the 421's text as a protocol error.
            if (stage == ConnectionRefusalStage.Greeting)
                Assert.That((refusal as SmtpCommandException)?.StatusCode, Is.EqualTo(SmtpStatusCode.ServiceNotAvailable));
            else
                Assert.That(refusal, Is.InstanceOf<SmtpProtocolException>());
            Assert.That(refusal!.Message, Does.Contain("4.7.0 localhost Error: too many connections"));
            Assert.That(third.IsConnected, Is.False);
            Assert.That(_server.Limits.ConnectionRefusals, Is.EqualTo(1));
            Assert.That(_server.Limits.PeakConnections, Is.EqualTo(2));
        });
    }

    [Test]
    public async Task Should_admit_a_connection_again_once_one_closed()
    {
        _server.Limits.MaxConnections = 1;
        using (var first = await SinkClient.ConnectAsync(_server))
            await first.DisconnectAsync(quit: true);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (_server.Limits.OpenConnections > 0)
            await Task.Delay(10, deadline.Token);
        using var second = await SinkClient.ConnectAsync(_server);
        await SinkClient.SendAsync(second);
        Assert.That(_server.Limits.ConnectionRefusals, Is.Zero);
    }

    [Test]
    public async Task Should_shed_an_open_connection_at_its_next_transaction_when_the_limit_drops()
    {
        _server.Limits.MaxConnections = 2;
        using var first = await SinkClient.ConnectAsync(_server);
        using var second = await SinkClient.ConnectAsync(_server);
        await SinkClient.SendAsync(first);
        await SinkClient.SendAsync(second);
        _server.Limits.MaxConnections = 1;
        var shed = Assert.CatchAsync<SmtpCommandException>(async () => await SinkClient.SendAsync(second));
        await SinkClient.SendAsync(first);
        Assert.Multiple(() =>
        {
            Assert.That((int)shed!.StatusCode, Is.EqualTo(421));
            Assert.That(_server.Limits.OpenConnections, Is.EqualTo(1));
            Assert.That(_server.Limits.ConnectionRefusals, Is.EqualTo(1));
            Assert.That(_server.AcceptedCount, Is.EqualTo(3));
        });
    }
}
