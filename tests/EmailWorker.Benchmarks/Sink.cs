using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace EmailWorker.Benchmarks;

/// <summary>
/// The smtpsink program, discarding mail and logging one receipt line per message, "&lt;unix ms&gt; &lt;first recipient&gt;", and
/// one per attempt, "&lt;unix ms&gt; &lt;recipient&gt; attempt" (at its RCPT TO), so every rate can start at a first attempt.
/// </summary>
internal sealed class Sink : IAsyncDisposable
{
    private readonly ChildProcess _process;
    private readonly string _receiptsPath;
    private readonly List<(long At, string Recipient)> _read = [];
    private readonly List<(long At, string Recipient)> _attempts = [];
    private long _readUpTo;

    private Sink(ChildProcess process, int port, string receipts)
    {
        _process = process;
        Port = port;
        _receiptsPath = receipts;
    }

    public int Port { get; }

    public static async Task<Sink> StartAsync(int replyDelayMs, bool failFirst = false)
    {
        var port = FreePort();
        var receipts = Path.Combine(Path.GetTempPath(), $"emailworker-bench-{Guid.NewGuid():N}.receipts");
        var arguments = new List<string> { "--port", port.ToString(CultureInfo.InvariantCulture), "--discard", "--receipts", receipts,
            "--reply-delay-ms", replyDelayMs.ToString(CultureInfo.InvariantCulture), "--attempts" };
        if (failFirst)
            arguments.Add("--fail-first");
        var process = ChildProcess.Start(Repository.Sink, arguments);
        for (var i = 0; i < 200; i++)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return new Sink(process, port, receipts);
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
        throw new InvalidOperationException("the sink did not start");
    }

    /// <summary>
    /// Receipts so far (the sink flushes its log every 200 ms). Read incrementally: re-reading a log that grows to
    /// hundreds of thousands of lines on every poll would take CPU from the processes being measured.
    /// </summary>
    public IReadOnlyList<(long At, string Recipient)> Receipts()
    {
        lock (_read)
        {
            ReadNewLines();
            return [.. _read];
        }
    }

    /// <summary>How many receipts so far.</summary>
    public int Count
    {
        get
        {
            lock (_read)
            {
                ReadNewLines();
                return _read.Count;
            }
        }
    }

    private void ReadNewLines()
    {
        if (!File.Exists(_receiptsPath))
            return;
        using var stream = new FileStream(_receiptsPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Position = _readUpTo;
        using var reader = new StreamReader(stream);
        var text = reader.ReadToEnd();
        var complete = text.LastIndexOf('\n') + 1; // a line still being written is read next time
        foreach (var line in text.AsSpan(0, complete).EnumerateLines())
        {
            var space = line.IndexOf(' ');
            if (space <= 0 || !long.TryParse(line[..space], NumberStyles.None, CultureInfo.InvariantCulture, out var at))
                continue;
            var rest = line[(space + 1)..];
            if (rest.EndsWith(" attempt", StringComparison.Ordinal))
                _attempts.Add((at, rest[..^" attempt".Length].ToString()));
            else
                _read.Add((at, rest.ToString()));
        }
        _readUpTo += System.Text.Encoding.UTF8.GetByteCount(text.AsSpan(0, complete));
    }

    /// <summary>Waits until <paramref name="count"/> receipts are logged.</summary>
    public async Task WaitForAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (Count >= count)
                return;
            await Task.Delay(50);
        }
        throw new TimeoutException($"only {Count} of {count} messages reached the sink within {timeout.TotalSeconds} s");
    }

    /// <summary>
    /// Messages per second for the recipients that start with <paramref name="measured"/>: how many reached the sink, over
    /// the window from their first attempt (or <paramref name="startAt"/>, unix ms, when given) to the last of them
    /// accepted. The same window for every peer: what came before the first of these messages — process start-up, a
    /// warm-up batch — is outside it, and a retried message's earlier attempts are inside it.
    /// </summary>
    public double RateOf(string measured, long? startAt = null)
    {
        lock (_read)
        {
            ReadNewLines();
            var delivered = _read.Where(r => r.Recipient.StartsWith(measured, StringComparison.Ordinal)).Select(r => r.At).ToArray();
            var first = startAt ?? _attempts.Where(a => a.Recipient.StartsWith(measured, StringComparison.Ordinal)).Select(a => a.At).DefaultIfEmpty(long.MaxValue).Min();
            return delivered.Length == 0 || delivered.Max() <= first ? double.NaN : delivered.Length * 1000.0 / (delivered.Max() - first);
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        File.Delete(_receiptsPath);
    }
}
