using System.Globalization;

namespace EmailWorker.SmtpSink;

/// <summary>RFC 3030 CHUNKING: <c>BDAT &lt;size&gt; [LAST]</c>, the message in chunks of exactly the declared size, no dot-stuffing.</summary>
internal sealed partial class SmtpSession
{
    /// <summary>The most a message in chunks is kept to when the script sets no SIZE: a bound on the sink's memory.</summary>
    private const long MaxKeptBytes = 64L * 1024 * 1024;
    private MemoryStream? _chunks;

    /// <summary>
    /// Reads the chunk whatever happens to it — the client has sent it behind the command, and skipping it would read
    /// message bytes as commands — then answers: the script's reply when it has one, 503 without a sender or an accepted
    /// recipient, 552 once the message outgrows SIZE, the end of the message at LAST, else a 250 for the chunk.
    /// </summary>
    private async Task<bool> BdatAsync(string argument, CancellationToken cancellationToken)
    {
        var parts = argument.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (!server.Chunking || parts.Length is 0 or > 2 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var size)
            || (parts.Length == 2 && !parts[1].Equals("LAST", StringComparison.OrdinalIgnoreCase)))
        {
            // Without a size the chunk's end is unknown: the dialogue cannot stay in step, as a relay would see it.
            return await ReplyAsync(new SmtpReply(501, "5.5.4 Syntax: BDAT size [LAST]"), cancellationToken) && false;
        }
        var last = parts.Length == 2;
        var inTransaction = _mailFrom is not null && _recipients.Count > 0;
        var keep = inTransaction && !((_chunks?.Length ?? 0) + size > (_script.MaxMessageSize ?? MaxKeptBytes));
        if (keep)
            _chunks ??= new MemoryStream();
        if (!await _lines.ReadChunkAsync(size, keep ? _chunks : null, cancellationToken))
            return false;
        if (inTransaction)
            server.RecordBodyRead();
        if (_script.OnCommand("BDAT", _recipients) is { } scripted)
            return await ReplyAsync(scripted, cancellationToken);
        if (!inTransaction)
            return await ReplyAsync(new SmtpReply(503, "5.5.1 No valid recipients"), cancellationToken);
        if (!keep)
        {
            Reset();
            return await ReplyAsync(new SmtpReply(552, MessageTooBig), cancellationToken);
        }
        if (last)
            return await EndOfMessageAsync(_mailFrom!, _chunks!.ToArray(), cancellationToken);
        return await ReplyAsync(new SmtpReply(250, string.Create(CultureInfo.InvariantCulture, $"2.0.0 {size} octets received")), cancellationToken);
    }

    private void ForgetChunks()
    {
        _chunks?.Dispose();
        _chunks = null;
    }
}
