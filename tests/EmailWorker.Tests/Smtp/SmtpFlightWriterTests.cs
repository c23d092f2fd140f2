using System.Text;
using EmailWorker.Smtp;
using MimeKit;

namespace EmailWorker.Tests.Smtp;

/// <summary>What goes on the wire: commands, the envelope's parameters, BDAT with its exact size, dot-stuffing, capabilities.</summary>
[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
internal sealed class SmtpFlightWriterTests
{
    [Test]
    public void Should_write_the_envelope_and_the_body_as_one_flight()
    {
        using var flight = new MemoryStream();
        SmtpFlightWriter.Command(flight, SmtpFlightWriter.MailFrom("shop@example.com", size: 11, eightBit: false, smtpUtf8: false));
        SmtpFlightWriter.Command(flight, SmtpFlightWriter.RcptTo("ann@example.org"));
        SmtpFlightWriter.Command(flight, SmtpFlightWriter.RcptTo("bob@example.org"));
        SmtpFlightWriter.Bdat(flight, "Hi\r\n.\r\nyo\r\n"u8);

        Assert.That(Text(flight), Is.EqualTo(
            "MAIL FROM:<shop@example.com> SIZE=11\r\nRCPT TO:<ann@example.org>\r\nRCPT TO:<bob@example.org>\r\nBDAT 11 LAST\r\nHi\r\n.\r\nyo\r\n"));
    }

    [TestCase(null, false, false, ExpectedResult = "MAIL FROM:<a@b.c>")]
    [TestCase(2048L, true, false, ExpectedResult = "MAIL FROM:<a@b.c> SIZE=2048 BODY=8BITMIME")]
    [TestCase(null, false, true, ExpectedResult = "MAIL FROM:<a@b.c> SMTPUTF8")]
    public string Should_name_the_parameters_the_message_needs(long? size, bool eightBit, bool smtpUtf8) =>
        SmtpFlightWriter.MailFrom("a@b.c", size, eightBit, smtpUtf8);

    [Test]
    public void Should_refuse_a_command_with_a_line_break() =>
        Assert.Throws<ArgumentException>(() => SmtpFlightWriter.Command(new MemoryStream(), "RCPT TO:<a@b.c>\r\nRCPT TO:<evil@x.y>"));

    [TestCase("Hi\r\n", ExpectedResult = "Hi\r\n.\r\n")]
    [TestCase(".starts\r\nmid.dle\r\n.\r\n..two\r\n", ExpectedResult = "..starts\r\nmid.dle\r\n..\r\n...two\r\n.\r\n")]
    [TestCase("no line break at the end", ExpectedResult = "no line break at the end\r\n.\r\n")]
    public string Should_dot_stuff_the_body_after_data(string body)
    {
        using var flight = new MemoryStream();
        SmtpFlightWriter.DotStuffed(flight, Encoding.ASCII.GetBytes(body));
        return Text(flight);
    }

    [Test]
    public void Should_write_the_message_with_crlf_and_without_bcc()
    {
        var message = new MimeMessage([new MailboxAddress("", "shop@example.com")], [new MailboxAddress("", "ann@example.org")], "Hi",
            new TextPart("plain") { Text = "one\ntwo" });
        message.Bcc.Add(new MailboxAddress("", "hidden@example.org"));
        using var body = new MemoryStream();

        var eightBit = SmtpFlightWriter.WriteMessage(body, message, eightBitMime: true, international: false);

        var text = Text(body);
        Assert.Multiple(() =>
        {
            Assert.That(eightBit, Is.False);
            Assert.That(text, Does.Contain("one\r\ntwo").And.EndWith("\r\n").And.Not.Contain("hidden@example.org"));
            Assert.That(text.Replace("\r\n", "", StringComparison.Ordinal), Does.Not.Contain('\n'));
        });
    }

    [TestCase(true, ExpectedResult = true)]
    [TestCase(false, ExpectedResult = false)]
    public bool Should_send_8bit_text_as_8bit_only_to_a_relay_with_8bitmime(bool eightBitMime)
    {
        var message = new MimeMessage([new MailboxAddress("", "shop@example.com")], [new MailboxAddress("", "ann@example.org")], "Hi",
            new TextPart("plain") { Text = "Grüße" });
        using var body = new MemoryStream();

        var eightBit = SmtpFlightWriter.WriteMessage(body, message, eightBitMime, international: false);

        Assert.That(body.ToArray().Any(b => b > 127), Is.EqualTo(eightBit), "8-bit bytes on the wire exactly when BODY=8BITMIME is declared");
        return eightBit;
    }

    [Test]
    public void Should_read_the_capabilities_of_an_ehlo_reply()
    {
        var capabilities = SmtpCapabilities.Parse("mx.example.org Hello\nPIPELINING\nsize 10240000\nCHUNKING\n8BITMIME\nSMTPUTF8\nSTARTTLS\nAUTH PLAIN login\nAUTH=XOAUTH2");

        Assert.Multiple(() =>
        {
            Assert.That(capabilities with { AuthMechanisms = SmtpCapabilities.None.AuthMechanisms }, Is.EqualTo(SmtpCapabilities.None with
            {
                Pipelining = true, Chunking = true, EightBitMime = true, SmtpUtf8 = true, StartTls = true, MaxSize = 10240000,
            }));
            Assert.That(capabilities.AuthMechanisms, Is.EquivalentTo(new[] { "PLAIN", "LOGIN", "XOAUTH2" }));
        });
    }

    [Test]
    public void Should_find_no_extension_in_the_greeting_line()
    {
        var capabilities = SmtpCapabilities.Parse("mx.example.org PIPELINING CHUNKING");

        Assert.That((capabilities.Pipelining, capabilities.Chunking), Is.EqualTo((false, false)));
    }

    [Test]
    public void Should_refuse_a_recipient_that_needs_smtputf8_when_the_relay_lacks_it_and_send_to_the_others()
    {
        var envelope = SmtpEnvelope.Plan(new MailboxAddress("", "shop@example.com"),
            [new MailboxAddress("", "jörg@example.org"), new MailboxAddress("", "ann@bücher.example")], SmtpCapabilities.None);

        Assert.Multiple(() =>
        {
            Assert.That(envelope.RefusedHere.Select(r => (r.Address, r.StatusCode)), Is.EqualTo(new[] { ("jörg@example.org", 553) }));
            Assert.That(envelope.Recipients, Is.EqualTo(new[] { new SmtpEnvelope.Recipient("ann@bücher.example", "ann@xn--bcher-kva.example") }));
            Assert.That(envelope.SmtpUtf8, Is.False);
        });
    }

    [Test]
    public void Should_send_international_addresses_as_utf8_to_a_relay_with_smtputf8()
    {
        var envelope = SmtpEnvelope.Plan(new MailboxAddress("", "shop@example.com"), [new MailboxAddress("", "jörg@example.org")],
            SmtpCapabilities.None with { SmtpUtf8 = true });

        Assert.Multiple(() =>
        {
            Assert.That(envelope.RefusedHere, Is.Empty);
            Assert.That(envelope.Recipients.Single().OnWire, Is.EqualTo("jörg@example.org"));
            Assert.That(envelope.SmtpUtf8, Is.True);
        });
    }

    [Test]
    public void Should_refuse_a_sender_that_needs_smtputf8_when_the_relay_lacks_it() =>
        Assert.That(Assert.Throws<SmtpCommandRefusedException>(() => SmtpEnvelope.Plan(new MailboxAddress("", "jörg@example.com"),
            [new MailboxAddress("", "ann@example.org")], SmtpCapabilities.None))!.Command, Is.EqualTo(SmtpCommand.MailFrom));

    private static string Text(MemoryStream stream) => Encoding.UTF8.GetString(stream.ToArray());
}
