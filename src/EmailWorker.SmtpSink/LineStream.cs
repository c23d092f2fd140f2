using System.Buffers;
using System.Text;

namespace EmailWorker.SmtpSink;

/// <summary>
/// Reads CRLF-terminated lines and BDAT chunks from a socket stream, and writes replies. Replies are held while more of
/// the client's input is already buffered and written when the server would wait for more, as Postfix does: the replies
/// to one pipelined flight leave together, in order, and each read after a reply is a new flight of the client (its round trip).
/// </summary>
internal sealed class LineStream(Stream stream, Action onFlight)
{
    private const int MaxLineBytes = 64 * 1024;
    private readonly byte[] _buffer = new byte[16 * 1024];
    private readonly ArrayBufferWriter<byte> _pending = new();
    private int _start;
    private int _end;
    private bool _repliedSinceRead;

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
            if (!await FillAsync(cancellationToken))
                return null;
        }
    }

    /// <summary>
    /// Exactly <paramref name="count"/> bytes (a BDAT chunk, RFC 3030), copied to <paramref name="into"/> unless it is null
    /// (a chunk that is read only to stay in step); false when the peer closed the connection first.
    /// </summary>
    public async Task<bool> ReadChunkAsync(long count, Stream? into, CancellationToken cancellationToken)
    {
        while (count > 0)
        {
            if (_start == _end && !await FillAsync(cancellationToken))
                return false;
            var take = (int)Math.Min(count, _end - _start);
            into?.Write(_buffer, _start, take);
            _start += take;
            count -= take;
        }
        return true;
    }

    /// <summary>
    /// Reads more from the socket once everything buffered is used: the held replies go out first (the client may be
    /// waiting for them), and a read that brings data after a reply was written starts a new flight.
    /// </summary>
    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        await FlushAsync(cancellationToken);
        _start = 0;
        _end = await stream.ReadAsync(_buffer, cancellationToken);
        LastArrivalAt = System.Diagnostics.Stopwatch.GetTimestamp();
        if (_end == 0)
            return false;
        if (_repliedSinceRead)
            onFlight();
        _repliedSinceRead = false;
        return true;
    }

    /// <summary>
    /// Queues the reply, or writes it at once after the held ones when it is a fault: trickled byte by byte
    /// (<see cref="SmtpReply.Drip"/>) or only its first half (<see cref="SmtpReply.CutOff"/>).
    /// </summary>
    public async Task WriteReplyAsync(SmtpReply reply, CancellationToken cancellationToken)
    {
        var bytes = Encoding.ASCII.GetBytes($"{reply.Code} {reply.Text}\r\n");
        if (reply.CutOff)
            bytes = bytes[..(bytes.Length / 2)];
        if (reply.Drip <= TimeSpan.Zero && !reply.CutOff)
        {
            _pending.Write(bytes.AsSpan());
            _repliedSinceRead = true;
            return;
        }
        await FlushAsync(cancellationToken);
        _repliedSinceRead = true;
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

    public Task WriteRawAsync(string text, CancellationToken cancellationToken)
    {
        _pending.Write(Encoding.ASCII.GetBytes(text).AsSpan());
        _repliedSinceRead = true;
        return Task.CompletedTask;
    }

    /// <summary>Writes the held replies: before a read would wait, before a TLS handshake, and before the connection closes.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_pending.WrittenCount == 0)
            return;
        await stream.WriteAsync(_pending.WrittenMemory, cancellationToken);
        _pending.ResetWrittenCount();
    }
}
