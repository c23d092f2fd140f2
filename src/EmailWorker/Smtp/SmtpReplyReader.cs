using System.Text;

namespace EmailWorker.Smtp;

/// <summary>
/// Reads the relay's replies (RFC 5321 §4.2) from the connection, bounded: a line longer than <see cref="MaxLineBytes"/>,
/// a reply of more than <see cref="MaxLines"/> lines, a line that does not start with a three-digit code, or a
/// continuation line whose code differs from the first is a <see cref="SmtpDialogueException"/>. The relay's text is
/// decoded as UTF-8 (invalid bytes replaced) and kept as the relay sent it, control characters included: every place that
/// shows it (logs, the dead-letter headers, <c>dlq show</c>, the dashboard) escapes it there, so an operator sees what the
/// relay really answered (<c>\u001b[2J</c>, not a <c>?</c>). A closed connection is an <see cref="IOException"/>.
/// </summary>
internal sealed class SmtpReplyReader(Stream stream)
{
    /// <summary>RFC 5321 allows 512 octets per reply line; relays that exceed it do so by little, never by this much.</summary>
    public const int MaxLineBytes = 2000;

    /// <summary>The longest EHLO reply seen in practice has about 20 lines.</summary>
    public const int MaxLines = 100;

    private readonly byte[] _buffer = new byte[2 * (MaxLineBytes + 2)];
    private int _start;
    private int _end;

    /// <summary>Bytes the relay sent beyond the replies read so far (none may be there when TLS starts: RFC 3207 §5).</summary>
    public bool HasUnreadBytes => _end > _start;

    public async ValueTask<SmtpReply> ReadAsync(CancellationToken cancellationToken)
    {
        var code = 0;
        var text = new StringBuilder();
        for (var lines = 1; ; lines++)
        {
            var line = await ReadLineAsync(cancellationToken);
            var (lineCode, more, lineText) = ParseLine(line.Span);
            if (code != 0 && lineCode != code)
                throw new SmtpDialogueException($"the relay's reply changed its code from {code} to {lineCode} between lines");
            code = lineCode;
            if (lines > 1)
                text.Append('\n');
            text.Append(lineText);
            if (!more)
                return new SmtpReply(code, text.ToString());
            if (lines == MaxLines)
                throw new SmtpDialogueException($"the relay's reply ran over {MaxLines} lines");
        }
    }

    /// <summary>Code, whether more lines follow (<c>250-</c>), and the line's text made safe.</summary>
    internal static (int Code, bool More, string Text) ParseLine(ReadOnlySpan<byte> line)
    {
        if (line.Length < 3 || line[0] is < (byte)'2' or > (byte)'5' || !IsDigit(line[1]) || !IsDigit(line[2])
            || (line.Length > 3 && line[3] is not ((byte)' ' or (byte)'-')))
            throw new SmtpDialogueException($"the relay sent a line that is not an SMTP reply: {Encoding.UTF8.GetString(line[..Math.Min(line.Length, 40)])}");
        var code = ((line[0] - '0') * 100) + ((line[1] - '0') * 10) + (line[2] - '0');
        var more = line.Length > 3 && line[3] == (byte)'-';
        return (code, more, line.Length > 4 ? Encoding.UTF8.GetString(line[4..]) : "");
    }

    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';

    /// <summary>One line without its CRLF (a bare LF ends a line too, as relays in the wild send it).</summary>
    private async ValueTask<ReadOnlyMemory<byte>> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var newLine = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newLine >= 0)
            {
                var length = newLine - _start;
                if (length > MaxLineBytes + 1)
                    throw new SmtpDialogueException($"the relay sent a reply line over {MaxLineBytes} bytes");
                var line = _buffer.AsMemory(_start, length > 0 && _buffer[newLine - 1] == (byte)'\r' ? length - 1 : length);
                _start = newLine + 1;
                return line;
            }
            if (_end - _start > MaxLineBytes + 1)
                throw new SmtpDialogueException($"the relay sent a reply line over {MaxLineBytes} bytes");
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
            if (read == 0)
                throw new IOException("the relay closed the connection");
            _end += read;
        }
    }
}
