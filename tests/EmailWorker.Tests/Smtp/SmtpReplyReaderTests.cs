using System.Text;
using EmailWorker.Smtp;

namespace EmailWorker.Tests.Smtp;

/// <summary>The relay's replies read bounded and made safe: multi-line replies, bare LF, bounds, malformed lines.</summary>
[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
internal sealed class SmtpReplyReaderTests
{
    [Test]
    public async Task Should_read_pipelined_replies_back_in_order()
    {
        var reader = Reader("250 2.1.0 Ok\r\n550 5.1.1 User unknown\r\n250 2.0.0 Ok: queued as 1\r\n");

        var replies = new[] { await reader.ReadAsync(CancellationToken.None), await reader.ReadAsync(CancellationToken.None), await reader.ReadAsync(CancellationToken.None) };

        Assert.Multiple(() =>
        {
            Assert.That(replies.Select(r => r.Code), Is.EqualTo(new[] { 250, 550, 250 }));
            Assert.That(replies[1].Text, Is.EqualTo("5.1.1 User unknown"));
            Assert.That(reader.HasUnreadBytes, Is.False);
        });
    }

    [Test]
    public async Task Should_join_the_lines_of_a_multi_line_reply()
    {
        var reply = await Reader("250-mx.example.org\r\n250-PIPELINING\n250 CHUNKING\r\n").ReadAsync(CancellationToken.None);

        Assert.That(reply, Is.EqualTo(new SmtpReply(250, "mx.example.org\nPIPELINING\nCHUNKING")));
    }

    [Test]
    public async Task Should_take_a_reply_of_a_code_alone()
    {
        var reply = await Reader("354\r\n").ReadAsync(CancellationToken.None);

        Assert.That(reply, Is.EqualTo(new SmtpReply(354, "")));
    }

    [Test]
    public async Task Should_keep_the_relays_text_as_sent_for_the_places_that_show_it_to_escape()
    {
        var reply = await Reader("550 5.1.1 bad\u001b[31m user\r\r\n").ReadAsync(CancellationToken.None);

        Assert.That(reply.Text, Is.EqualTo("5.1.1 bad\u001b[31m user\r"), "one line, its control characters kept (escaped where shown)");
    }

    [Test]
    public async Task Should_read_a_line_up_to_the_limit()
    {
        var line = "250 " + new string('x', SmtpReplyReader.MaxLineBytes - 4) + "\r\n";

        var reply = await Reader(line).ReadAsync(CancellationToken.None);

        Assert.That(reply.Text, Has.Length.EqualTo(SmtpReplyReader.MaxLineBytes - 4));
    }

    [Test]
    public void Should_refuse_a_line_over_the_limit() =>
        Assert.ThrowsAsync<SmtpDialogueException>(async () =>
            await Reader("250 " + new string('x', SmtpReplyReader.MaxLineBytes) + "\r\n").ReadAsync(CancellationToken.None));

    [Test]
    public void Should_refuse_an_endless_line_without_reading_it_all() =>
        Assert.ThrowsAsync<SmtpDialogueException>(async () =>
            await Reader("250 " + new string('x', 10 * SmtpReplyReader.MaxLineBytes)).ReadAsync(CancellationToken.None));

    [Test]
    public void Should_refuse_a_reply_of_too_many_lines() =>
        Assert.ThrowsAsync<SmtpDialogueException>(async () =>
            await Reader(string.Concat(Enumerable.Repeat("250-x\r\n", SmtpReplyReader.MaxLines)) + "250 x\r\n").ReadAsync(CancellationToken.None));

    [TestCase("hello\r\n", TestName = "a line without a code")]
    [TestCase("25\r\n", TestName = "a code too short")]
    [TestCase("199 no\r\n", TestName = "a code out of range")]
    [TestCase("250x\r\n", TestName = "a code not followed by space or dash")]
    [TestCase("250-a\r\n251 b\r\n", TestName = "continuation lines with different codes")]
    public void Should_refuse_what_is_not_an_smtp_reply(string bytes) =>
        Assert.ThrowsAsync<SmtpDialogueException>(async () => await Reader(bytes).ReadAsync(CancellationToken.None));

    [Test]
    public void Should_report_a_closed_connection_as_lost() =>
        Assert.ThrowsAsync<IOException>(async () => await Reader("250-half a reply\r\n").ReadAsync(CancellationToken.None));

    [Test]
    public async Task Should_see_bytes_sent_after_a_reply()
    {
        var reader = Reader("220 go ahead\r\n250 injected\r\n");

        await reader.ReadAsync(CancellationToken.None);

        Assert.That(reader.HasUnreadBytes, Is.True);
    }

    private static SmtpReplyReader Reader(string bytes) => new(new MemoryStream(Encoding.UTF8.GetBytes(bytes)));
}
