using System.Net.Sockets;
using System.Text;
using EmailWorker.SmtpSink;

namespace EmailWorker.Tests.SmtpSink;

/// <summary>
/// The sink as Postfix behaves toward a pipelining client: PIPELINING and CHUNKING advertised (each can be switched off),
/// a whole flight answered in order in one write, BDAT per RFC 3030, and each flight of the client counted.
/// </summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class When_the_sink_takes_pipelined_commands
{
    [Test]
    public async Task Should_advertise_pipelining_and_chunking_unless_told_not_to()
    {
        await using var both = Started(new ScriptedSmtpServer { Chunking = true });
        await using var neither = Started(new ScriptedSmtpServer { Pipelining = false });
        await using var toBoth = await RawClient.ConnectAsync(both);
        await using var toNeither = await RawClient.ConnectAsync(neither);

        var offered = await toBoth.EhloAsync();
        var plain = await toNeither.EhloAsync();

        Assert.Multiple(() =>
        {
            Assert.That(offered, Does.Contain("250-PIPELINING").And.Contain("250-CHUNKING"));
            Assert.That(plain, Has.None.Contains("PIPELINING").And.None.Contains("CHUNKING"));
        });
    }

    [Test]
    public async Task Should_answer_an_envelope_and_a_whole_message_sent_in_one_flight_in_order()
    {
        await using var server = Started(new ScriptedSmtpServer { Chunking = true });
        server.Script.OnRcptTo = recipient => recipient == "bob@example.org" ? new SmtpReply(550, "5.1.1 no such user") : null;
        await using var client = await RawClient.ConnectAsync(server);
        await client.EhloAsync();
        var body = "Subject: hi\r\nMessage-ID: <one@example.com>\r\n\r\nline\r\n.dot\r\n";
        var flightsBefore = server.FlightCount;

        await client.WriteAsync($"MAIL FROM:<shop@example.com>\r\nRCPT TO:<ann@example.org>\r\nRCPT TO:<bob@example.org>\r\n" +
                                $"RCPT TO:<cy@example.org>\r\nBDAT {Encoding.ASCII.GetByteCount(body)} LAST\r\n{body}");
        var replies = await client.ReadRepliesAsync(5);

        Assert.Multiple(() =>
        {
            Assert.That(replies.Select(r => r[..3]), Is.EqualTo(new[] { "250", "250", "550", "250", "250" }));
            Assert.That(server.FlightCount - flightsBefore, Is.EqualTo(1), "the whole transaction is one round trip");
            Assert.That(server.Messages.Single().Recipients, Is.EquivalentTo(new[] { "ann@example.org", "cy@example.org" }));
            Assert.That(Encoding.ASCII.GetString(server.Messages.Single().Data), Is.EqualTo(body), "BDAT data is taken as sent, never dot-unstuffed");
        });
    }

    [Test]
    public async Task Should_join_a_message_sent_in_several_chunks()
    {
        await using var server = Started(new ScriptedSmtpServer { Chunking = true });
        await using var client = await RawClient.ConnectAsync(server);
        await client.EhloAsync();

        await client.WriteAsync("MAIL FROM:<shop@example.com>\r\nRCPT TO:<ann@example.org>\r\nBDAT 5\r\nfirstBDAT 0\r\nBDAT 6 LAST\r\nsecond");
        var replies = await client.ReadRepliesAsync(5);

        Assert.Multiple(() =>
        {
            Assert.That(replies.Select(r => r[..3]), Is.All.EqualTo("250"));
            Assert.That(Encoding.ASCII.GetString(server.Messages.Single().Data), Is.EqualTo("firstsecond"));
        });
    }

    [Test]
    public async Task Should_read_the_chunk_of_a_transaction_without_recipients_and_stay_in_step()
    {
        await using var server = Started(new ScriptedSmtpServer { Chunking = true });
        server.Script.OnRcptTo = _ => new SmtpReply(550, "5.1.1 no such user");
        await using var client = await RawClient.ConnectAsync(server);
        await client.EhloAsync();

        await client.WriteAsync("MAIL FROM:<shop@example.com>\r\nRCPT TO:<ann@example.org>\r\nBDAT 10 LAST\r\nNOOP\r\nNOOPNOOP\r\n");
        var replies = await client.ReadRepliesAsync(4);

        Assert.Multiple(() =>
        {
            Assert.That(replies.Select(r => r[..3]), Is.EqualTo(new[] { "250", "550", "503", "250" }), "the chunk's bytes are not read as commands");
            Assert.That(server.Messages, Is.Empty);
        });
    }

    [Test]
    public async Task Should_refuse_a_message_whose_chunks_outgrow_the_size_limit()
    {
        await using var server = Started(new ScriptedSmtpServer { Chunking = true });
        server.Script.MaxMessageSize = 8;
        await using var client = await RawClient.ConnectAsync(server);
        await client.EhloAsync();

        await client.WriteAsync("MAIL FROM:<shop@example.com>\r\nRCPT TO:<ann@example.org>\r\nBDAT 6\r\n123456BDAT 6 LAST\r\n123456NOOP\r\n");
        var replies = await client.ReadRepliesAsync(5);

        Assert.Multiple(() =>
        {
            Assert.That(replies.Select(r => r[..3]), Is.EqualTo(new[] { "250", "250", "250", "552", "250" }));
            Assert.That(server.Messages, Is.Empty);
        });
    }

    [Test]
    public async Task Should_refuse_bdat_when_chunking_is_not_offered()
    {
        await using var server = Started(new ScriptedSmtpServer());
        await using var client = await RawClient.ConnectAsync(server);
        await client.EhloAsync();

        await client.WriteAsync("MAIL FROM:<shop@example.com>\r\nRCPT TO:<ann@example.org>\r\nBDAT 4 LAST\r\nbody");
        var replies = await client.ReadRepliesAsync(3);

        Assert.That(replies[2], Does.StartWith("501"), "an unknown chunk size leaves the dialogue out of step: refused, and the connection closed");
    }

    private static ScriptedSmtpServer Started(ScriptedSmtpServer server)
    {
        server.Start();
        return server;
    }

    /// <summary>A bare TCP client: writes what the test says in one write, and reads replies line by line.</summary>
    private sealed class RawClient : IAsyncDisposable
    {
        private readonly TcpClient _tcp;
        private readonly NetworkStream _stream;
        private readonly StreamReader _reader;

        private RawClient(TcpClient tcp)
        {
            _tcp = tcp;
            _stream = tcp.GetStream();
            _reader = new StreamReader(_stream, Encoding.ASCII);
        }

        public static async Task<RawClient> ConnectAsync(ScriptedSmtpServer server)
        {
            var tcp = new TcpClient { NoDelay = true };
            await tcp.ConnectAsync("127.0.0.1", server.Port);
            var client = new RawClient(tcp);
            await client.ReadRepliesAsync(1);
            return client;
        }

        public async Task<List<string>> EhloAsync()
        {
            await WriteAsync("EHLO test\r\n");
            var lines = new List<string>();
            do
                lines.Add(await ReadLineAsync());
            while (lines[^1].StartsWith("250-", StringComparison.Ordinal));
            return lines;
        }

        public async Task WriteAsync(string text) => await _stream.WriteAsync(Encoding.ASCII.GetBytes(text));

        public async Task<List<string>> ReadRepliesAsync(int count)
        {
            var replies = new List<string>();
            while (replies.Count < count)
                replies.Add(await ReadLineAsync());
            return replies;
        }

        private async Task<string> ReadLineAsync()
        {
            using var bound = new CancellationTokenSource(SinkClient.Bound);
            return await _reader.ReadLineAsync(bound.Token) ?? throw new IOException("the sink closed the connection");
        }

        public async ValueTask DisposeAsync()
        {
            _reader.Dispose();
            await _stream.DisposeAsync();
            _tcp.Dispose();
        }
    }
}
