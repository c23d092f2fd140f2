using System.Net.Sockets;
using System.Text;
using EmailWorker.SmtpSink;
using MailKit.Net.Smtp;

namespace EmailWorker.Tests.SmtpSink;

[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
public sealed class When_the_sink_is_scripted_to_fail
{
    [Test]
    public async Task Should_drop_the_connection_mid_greeting()
    {
        await using var server = Started();
        server.Script.OnConnect = () => new SmtpReply(220, "localhost ESMTP scripted sink") { CutOff = true };
        using var client = SinkClient.Create();

        var failure = await Capture(() => client.ConnectAsync("127.0.0.1", server.Port));

        Assert.Multiple(() =>
        {
            Assert.That(failure, Is.InstanceOf<SmtpProtocolException>().Or.InstanceOf<IOException>(), failure?.ToString());
            Assert.That(server.Commands, Is.Empty);
        });
    }

    [Test]
    public async Task Should_drop_the_connection_at_the_data_command_without_a_354()
    {
        await using var server = Started();
        server.Script.OnCommand = (verb, recipients) => verb == "DATA" && recipients.Contains("ann@example.org") ? SmtpReply.Disconnect : null;
        using var client = await SinkClient.ConnectAsync(server);

        var failure = await Capture(() => SinkClient.SendAsync(client));

        Assert.Multiple(() =>
        {
            Assert.That(failure, Is.Not.Null.And.Not.InstanceOf<SmtpCommandException>(), "a lost connection, not a refusal");
            Assert.That(server.Messages, Is.Empty);
        });
    }

    [Test]
    public async Task Should_drop_the_connection_right_after_the_354()
    {
        await using var server = Started();
        server.Script.OnCommand = (verb, _) => verb == "DATA" ? new SmtpReply(354, "End data with <CR><LF>.<CR><LF>") { ThenDisconnect = true } : null;
        using var client = await SinkClient.ConnectAsync(server);

        var failure = await Capture(() => SinkClient.SendAsync(client));

        Assert.Multiple(() =>
        {
            Assert.That(failure, Is.Not.Null.And.Not.InstanceOf<SmtpCommandException>());
            Assert.That(server.Messages, Is.Empty);
        });
    }

    [Test]
    public async Task Should_keep_the_message_but_never_answer_after_the_final_dot()
    {
        await using var server = Started();
        server.Script.OnData = (_, _, _) => SmtpReply.KeepAndDisconnect;
        using var client = await SinkClient.ConnectAsync(server);

        var failure = await Capture(() => SinkClient.SendAsync(client, SinkClient.Message("kept")));

        Assert.Multiple(() =>
        {
            Assert.That(failure, Is.Not.Null.And.Not.InstanceOf<SmtpCommandException>(), "the client never saw the 250");
            Assert.That(server.Messages, Has.Count.EqualTo(1), "the relay has the message all the same");
            Assert.That(Encoding.ASCII.GetString(server.Messages.Single().Data), Does.Contain("Message-Id: <kept@example.com>"));
        });
    }

    [Test]
    public async Task Should_deliver_a_trickled_reply_intact()
    {
        await using var server = Started();
        server.Script.OnData = (_, _, _) => new SmtpReply(250, "2.0.0 slowly") { Drip = TimeSpan.FromMilliseconds(10) };
        using var client = await SinkClient.ConnectAsync(server);

        await SinkClient.SendAsync(client);

        Assert.That(server.Messages, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Should_hold_a_client_whose_deadline_is_shorter_than_the_trickle()
    {
        await using var server = Started();
        // About 3 s for the whole reply, each byte well inside the client's 20 s socket timeout: only a deadline helps.
        server.Script.OnData = (_, _, _) => new SmtpReply(250, "2.0.0 slowly") { Drip = TimeSpan.FromMilliseconds(200) };
        using var client = await SinkClient.ConnectAsync(server);
        using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));

        var failure = await Capture(() => SinkClient.SendAsync(client, cancellationToken: deadline.Token));

        Assert.That(failure, Is.InstanceOf<OperationCanceledException>(), failure?.ToString());
    }

    [Test]
    public async Task Should_answer_each_sender_as_scripted()
    {
        await using var server = Started();
        server.Script.OnMailFrom = sender => sender == "blocked@example.com" ? new SmtpReply(550, "5.7.1 Sender blocked") : null;
        using var client = await SinkClient.ConnectAsync(server);
        var blocked = SinkClient.Message("blocked");
        blocked.From.Clear();
        blocked.From.Add(new MimeKit.MailboxAddress("", "blocked@example.com"));

        var refusal = await Capture(() => SinkClient.SendAsync(client, blocked));
        await SinkClient.SendAsync(client, SinkClient.Message("allowed"));

        Assert.Multiple(() =>
        {
            Assert.That((int?)(refusal as SmtpCommandException)?.StatusCode, Is.EqualTo(550), refusal?.ToString());
            Assert.That(server.Messages.Select(m => m.MailFrom), Is.EqualTo(new[] { "shop@example.com" }));
        });
    }

    [Test]
    public async Task Should_advertise_size_and_refuse_a_larger_message_with_552_5_3_4()
    {
        await using var server = Started();
        server.Script.MaxMessageSize = 2_000;
        using var client = await SinkClient.ConnectAsync(server);

        var refusal = await Capture(() => SinkClient.SendAsync(client, SinkClient.Message("big", bodyBytes: 5_000)));
        await SinkClient.SendAsync(client, SinkClient.Message("small"));

        Assert.Multiple(() =>
        {
            Assert.That(client.MaxSize, Is.EqualTo(2_000));
            Assert.That(refusal, Is.InstanceOf<SmtpCommandException>(), refusal?.ToString());
            Assert.That((refusal as SmtpCommandException)?.StatusCode, Is.EqualTo(SmtpStatusCode.ExceededStorageAllocation));
            Assert.That(server.Messages, Has.Count.EqualTo(1), "the small one still goes through");
        });
    }

    [Test]
    public async Task Should_refuse_an_oversized_message_after_the_dot_when_the_client_declared_no_size()
    {
        await using var server = Started();
        server.Script.MaxMessageSize = 100;
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", server.Port);
        await using var stream = tcp.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII);
        await using var writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };

        var ehlo = new List<string>();
        await reader.ReadLineAsync();
        await writer.WriteLineAsync("EHLO test");
        do
            ehlo.Add(await reader.ReadLineAsync() ?? "");
        while (ehlo[^1].StartsWith("250-", StringComparison.Ordinal));
        await writer.WriteLineAsync("MAIL FROM:<a@example.com>");
        await reader.ReadLineAsync();
        await writer.WriteLineAsync("RCPT TO:<b@example.org>");
        await reader.ReadLineAsync();
        await writer.WriteLineAsync("DATA");
        var go = await reader.ReadLineAsync();
        await writer.WriteLineAsync(new string('x', 300));
        await writer.WriteLineAsync(".");
        var final = await reader.ReadLineAsync();

        Assert.Multiple(() =>
        {
            Assert.That(ehlo, Does.Contain("250-SIZE 100"));
            Assert.That(go, Does.StartWith("354"));
            Assert.That(final, Does.StartWith("552 5.3.4"));
            Assert.That(server.Messages, Is.Empty);
        });
    }

    private static ScriptedSmtpServer Started()
    {
        var server = new ScriptedSmtpServer();
        server.Start();
        return server;
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
}
