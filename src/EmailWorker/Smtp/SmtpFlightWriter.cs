using System.Globalization;
using System.Text;
using MimeKit;

namespace EmailWorker.Smtp;

/// <summary>
/// Writes what goes on the wire — commands, the envelope, the body as <c>BDAT &lt;size&gt; LAST</c> or dot-stuffed after
/// DATA — into a buffer that is then sent in one write (one flight). No I/O and no state of its own.
/// </summary>
internal static class SmtpFlightWriter
{
    private static readonly FormatOptions Ascii = BodyFormat(international: false);
    private static readonly FormatOptions Utf8 = BodyFormat(international: true);

    /// <summary>
    /// The message as it goes on the wire: prepared for what the relay takes (8-bit parts only with 8BITMIME, else
    /// re-encoded to 7 bit, lines at most 998 octets), CRLF line endings, ending with a line break, Bcc never written —
    /// as MailKit prepared it. With <paramref name="international"/> (SMTPUTF8) headers may be UTF-8. Returns whether a
    /// part is 8-bit, i.e. whether MAIL FROM must say <c>BODY=8BITMIME</c>.
    /// </summary>
    public static bool WriteMessage(MemoryStream body, MimeMessage message, bool eightBitMime, bool international)
    {
        message.Prepare(eightBitMime ? EncodingConstraint.EightBit : EncodingConstraint.SevenBit, 998);
        message.WriteTo(international ? Utf8 : Ascii, body);
        return message.BodyParts.OfType<MimePart>().Any(part => part.ContentTransferEncoding is ContentEncoding.EightBit or ContentEncoding.Binary);
    }

    /// <summary>
    /// <c>MAIL FROM:&lt;sender&gt;</c> with SIZE (when the relay takes it), BODY=8BITMIME (an 8-bit part) and SMTPUTF8
    /// (an address that needs it) as RFC 1870, 6152 and 6531 spell them.
    /// </summary>
    public static string MailFrom(string sender, long? size, bool eightBit, bool smtpUtf8)
    {
        var command = new StringBuilder("MAIL FROM:<").Append(sender).Append('>');
        if (size is { } octets)
            command.Append(CultureInfo.InvariantCulture, $" SIZE={octets}");
        if (eightBit)
            command.Append(" BODY=8BITMIME");
        if (smtpUtf8)
            command.Append(" SMTPUTF8");
        return command.ToString();
    }

    public static string RcptTo(string recipient) => $"RCPT TO:<{recipient}>";

    /// <summary>One command line, UTF-8 (only SMTPUTF8 addresses are not ASCII), CRLF-terminated.</summary>
    public static void Command(MemoryStream flight, string command)
    {
        // Addresses are validated long before, but a line break here would smuggle a command onto the wire.
        if (command.AsSpan().IndexOfAny('\r', '\n') >= 0)
            throw new ArgumentException("an SMTP command must not contain CR or LF", nameof(command));
        var most = Encoding.UTF8.GetMaxByteCount(command.Length) + 2;
        Span<byte> line = most <= 1024 ? stackalloc byte[most] : new byte[most];
        var length = Encoding.UTF8.GetBytes(command, line);
        line[length++] = (byte)'\r';
        line[length++] = (byte)'\n';
        flight.Write(line[..length]);
    }

    /// <summary>RFC 3030: <c>BDAT &lt;size&gt; LAST</c>, then exactly that many octets of the message, unstuffed.</summary>
    public static void Bdat(MemoryStream flight, ReadOnlySpan<byte> message)
    {
        Command(flight, string.Create(CultureInfo.InvariantCulture, $"BDAT {message.Length} LAST"));
        flight.Write(message);
    }

    /// <summary>
    /// The message after DATA's 354 (RFC 5321 §4.5.2): a dot at the start of a line doubled, then the lone dot that ends
    /// it. The message already ends with CRLF (<see cref="WriteMessage"/>), so the terminator is <c>.\r\n</c>.
    /// </summary>
    public static void DotStuffed(MemoryStream flight, ReadOnlySpan<byte> message)
    {
        var lineStart = true;
        var from = 0;
        for (var i = 0; i < message.Length; i++)
        {
            if (lineStart && message[i] == (byte)'.')
            {
                flight.Write(message[from..i]);
                flight.WriteByte((byte)'.');
                from = i;
            }
            lineStart = message[i] == (byte)'\n';
        }
        flight.Write(message[from..]);
        if (message.Length > 0 && message[^1] != (byte)'\n')
            flight.Write("\r\n"u8);
        flight.Write(".\r\n"u8);
    }

    private static FormatOptions BodyFormat(bool international)
    {
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        format.EnsureNewLine = true;
        format.International = international;
        format.HiddenHeaders.Add(HeaderId.Bcc);
        format.HiddenHeaders.Add(HeaderId.ResentBcc);
        format.HiddenHeaders.Add(HeaderId.ContentLength);
        return format;
    }
}
