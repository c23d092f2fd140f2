using EmailWorker.Smtp;
using EmailWorker.SmtpSink;
using SmtpReply = EmailWorker.SmtpSink.SmtpReply;
using EmailWorker.Tests.SmtpSink;
using MimeKit;

namespace EmailWorker.Tests.Smtp;

/// <summary>
/// Faults inside one flight (MAIL, RCPTs, <c>BDAT n LAST</c> + body in one write) against a relay with PIPELINING and
/// CHUNKING: every reply still classified by recipient and stage, the BDAT reply consumed, the connection usable after a
/// refusal, and "maybe delivered" exactly while no reply has ruled delivery out.
/// </summary>
[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
internal sealed class When_a_one_flight_transaction_fails
{
    private ScriptedSmtpServer _server = null!;
    private RelayConnection _connection = null!;

    [SetUp]
    public async Task StartAsync()
    {
        _server = new ScriptedSmtpServer { Chunking = true };
        _server.Start();
        _connection = new RelayConnection(RelayConnectionRoundTripTests.Endpoint(_server.Port));
        using var bound = new CancellationTokenSource(SinkClient.Bound);
        await _connection.ConnectAsync(bound.Token);
    }

    [TearDown]
    public async Task StopAsync()
    {
        _connection.Dispose();
        await _server.DisposeAsync();
    }

    [Test]
    public async Task Should_deliver_to_the_others_when_one_recipient_among_several_is_refused()
    {
        _server.Script.OnRcptTo = recipient => recipient == "gone@example.org" ? new SmtpReply(550, "5.1.1 User unknown") : null;
        var flights = _server.FlightCount;

        await SendAsync("ann@example.org", "gone@example.org", "bob@example.org");

        Assert.Multiple(() =>
        {
            Assert.That(_connection.Refusals, Is.EqualTo(new[] { new RecipientRefusal("gone@example.org", 550, "5.1.1 User unknown") }));
            Assert.That(_server.Messages.Single().Recipients, Is.EqualTo(new[] { "ann@example.org", "bob@example.org" }));
            Assert.That(_server.FlightCount - flights, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Should_send_no_mail_when_every_recipient_is_refused_and_keep_the_connection()
    {
        _server.Script.OnRcptTo = recipient => recipient.StartsWith("gone", StringComparison.Ordinal) ? new SmtpReply(550, "5.1.1 User unknown") : null;

        var none = Assert.ThrowsAsync<NoRecipientsAcceptedException>(() => SendAsync("gone1@example.org", "gone2@example.org"));

        Assert.Multiple(() =>
        {
            Assert.That(none!.Refusals.Select(r => (r.Address, r.StatusCode)), Is.EqualTo(new[] { ("gone1@example.org", 550), ("gone2@example.org", 550) }));
            Assert.That(_connection.BodyStarted, Is.False, "every RCPT refused: the relay cannot have taken the mail");
            Assert.That(_server.Messages, Is.Empty);
            Assert.That(_server.BodiesRead, Is.Zero);
        });
        await AssertStillUsableAsync();
    }

    [Test]
    public async Task Should_refuse_the_message_at_mail_from_and_keep_the_connection()
    {
        _server.Script.OnMailFrom = _ => new SmtpReply(553, "5.7.1 Sender address rejected");

        var refused = Assert.ThrowsAsync<SmtpCommandRefusedException>(() => SendAsync("ann@example.org"));

        Assert.Multiple(() =>
        {
            Assert.That((refused!.Command, refused.StatusCode, refused.Message), Is.EqualTo((SmtpCommand.MailFrom, 553, "5.7.1 Sender address rejected")));
            Assert.That(_connection.BodyStarted, Is.False);
            Assert.That(_server.Messages, Is.Empty);
        });
        _server.Script.OnMailFrom = _ => null;
        await AssertStillUsableAsync();
    }

    [TestCase(451, "4.3.0 Try again later")]
    [TestCase(554, "5.7.1 Message rejected as spam")]
    public async Task Should_refuse_the_message_at_its_body_and_keep_the_connection(int code, string text)
    {
        _server.Script.OnData = (_, _, _) => new SmtpReply(code, text);

        var refused = Assert.ThrowsAsync<SmtpCommandRefusedException>(() => SendAsync("ann@example.org"));

        Assert.Multiple(() =>
        {
            Assert.That((refused!.Command, refused.StatusCode, refused.Message), Is.EqualTo((SmtpCommand.Data, code, text)));
            Assert.That(_connection.BodyStarted, Is.False, "the relay answered: it did not take the mail");
            Assert.That(_server.Messages, Is.Empty);
        });
        _server.Script.OnData = (_, _, _) => null;
        await AssertStillUsableAsync();
    }

    [Test]
    public async Task Should_leave_the_mail_maybe_delivered_when_the_connection_drops_after_the_flight()
    {
        _server.Script.OnData = (_, _, _) => SmtpReply.KeepAndDisconnect;

        Assert.ThrowsAsync<IOException>(() => SendAsync("ann@example.org"));

        Assert.Multiple(() =>
        {
            Assert.That(_connection.BodyStarted, Is.True, "the relay took the body and its reply was lost");
            Assert.That(_server.Messages, Has.Count.EqualTo(1));
        });
    }

    [Test]
    public async Task Should_leave_the_mail_maybe_delivered_when_the_connection_drops_before_any_reply()
    {
        // The body went with MAIL FROM: without a reply nothing proves the relay did not take it.
        _server.Script.OnMailFrom = _ => SmtpReply.Disconnect;

        Assert.ThrowsAsync<IOException>(() => SendAsync("ann@example.org"));

        Assert.That(_connection.BodyStarted, Is.True);
    }

    [Test]
    public async Task Should_not_leave_the_mail_maybe_delivered_when_the_relay_closes_with_421()
    {
        _server.Script.OnRcptTo = _ => new SmtpReply(421, "4.7.0 Too many connections");

        var closing = Assert.ThrowsAsync<RelayClosingException>(() => SendAsync("ann@example.org"));

        Assert.Multiple(() =>
        {
            Assert.That(closing!.StatusCode, Is.EqualTo(421));
            Assert.That(_connection.BodyStarted, Is.False, "a 421 abandons the transaction");
            Assert.That(_connection.IsConnected, Is.False);
            Assert.That(_server.Messages, Is.Empty);
        });
    }

    private async Task AssertStillUsableAsync()
    {
        var connections = _server.ConnectionCount;
        Assert.That(_connection.IsConnected, Is.True);
        await SendAsync("later@example.org");
        Assert.Multiple(() =>
        {
            Assert.That(_server.Messages.Single().Recipients, Is.EqualTo(new[] { "later@example.org" }));
            Assert.That(_server.ConnectionCount, Is.EqualTo(connections), "the same connection");
        });
    }

    private async Task SendAsync(params string[] recipients)
    {
        var message = SinkClient.Message("one-flight");
        using var bound = new CancellationTokenSource(SinkClient.Bound);
        _connection.BeginAttempt();
        await _connection.SendAsync(message, message.From.Mailboxes.Single(), [.. recipients.Select(r => new MailboxAddress("", r))], bound.Token);
    }
}
