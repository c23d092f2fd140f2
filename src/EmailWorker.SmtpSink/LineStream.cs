using System.Text;

namespace EmailWorker.SmtpSink;

/// <summary>Reads CRLF-terminated lines from a socket stream, and writes replies.</summary>
internal sealed class LineStream(Stream stream)
{
    private const int MaxLineBytes = 64 * 1024;
    private readonly byte[] _buffer = new byte[16 * 1024];
    private int _start;
    private int _end;

    /// <summary>When bytes last arrived from the peer (<see cref="System.Diagnostics.Stopwatch"/> ticks): when the line being answered came in.</summary>
    public long LastArrivalAt { get; private set; } = System.Diagnostics.Stopwatch.GetTimestamp();

    /// <summary>The next line without its CRLF, as raw bytes; null when the peer closed the connection.</summary>
    public async Task<byte[]?> ReadLineAsync(CancellationToken cancellationToken)
    {
        using var line = new MemoryStream();
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0)
            {
                line.Write(_buffer, _start, newline - _start);
                _start = newline + 1;
                var bytes = line.ToArray();
                return bytes.Length > 0 && bytes[^1] == '\r' ? bytes[..^1] : bytes;
            }
            line.Write(_buffer, _start, _end - _start);
            if (line.Length > MaxLineBytes)
                throw new InvalidDataException("line too long");
            _start = 0;
            _end = await stream.ReadAsync(_buffer, cancellationToken);
            LastArrivalAt = System.Diagnostics.Stopwatch.GetTimestamp();
            if (_end == 0)
                return null;
        }
    }

    /// <summary>Writes the reply whole, trickled byte by byte (<see cref="SmtpReply.Drip"/>) or only its first half (<see cref="SmtpReply.CutOff"/>).</summary>
    public async Task WriteReplyAsync(SmtpReply reply, CancellationToken cancellationToken)
    {
        var bytes = Encoding.ASCII.GetBytes($"{reply.Code} {reply.Text}\r\n");
        if (reply.CutOff)
            bytes = bytes[..(bytes.Length / 2)];
        if (reply.Drip <= TimeSpan.Zero)
        {
            await stream.WriteAsync(bytes, cancellationToken);
            return;
        }
        for (var i = 0; i < bytes.Length; i++)
        {
            await Task.Delay(reply.Drip, cancellationToken);
            await stream.WriteAsync(bytes.AsMemory(i, 1), cancellationToken);
        }
    }

    public async Task WriteRawAsync(string text, CancellationToken cancellationToken) =>
        await stream.WriteAsync(Encoding.ASCII.GetBytes(text), cancellationToken);
}
