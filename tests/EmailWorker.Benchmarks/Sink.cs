using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace EmailWorker.Benchmarks;

/// <summary>
/// The smtpsink program (PIPELINING and CHUNKING offered, as Postfix offers them), discarding mail and logging one receipt
/// line per recipient of each message, "&lt;unix ms&gt; &lt;recipient&gt; &lt;message-id&gt; &lt;flights&gt;", and one per attempt,
/// "&lt;unix ms&gt; &lt;recipient&gt; attempt" (at its RCPT TO), so every rate can start at a first attempt, every rate checks that
/// each recipient arrived exactly once, and round trips per message can be read from the flights.
/// </summary>
internal sealed class Sink : IAsyncDisposable
{
    private readonly ChildProcess _process;
    private readonly string _receiptsPath;
    private readonly List<(long At, string Recipient)> _read = [];
    private readonly List<long> _flightsAt = [];
    private readonly Dictionary<(string MessageId, string Recipient), int> _copies = [];
    private readonly Dictionary<string, int> _arrivedPerPrefix = new(StringComparer.Ordinal);
    private readonly List<(long At, string Recipient)> _attempts = [];
    private readonly List<(long At, int Rate)> _rateChanges = [];
    private (long Rate, long Connections) _refusals;
    private long _readUpTo;

    private Sink(ChildProcess process, int port, string receipts)
    {
        _process = process;
        Port = port;
        _receiptsPath = receipts;
    }

    public int Port { get; }

    /// <summary>Starts smtpsink on a free port; <c>limits</c> are its limit arguments, e.g. <c>--rate 40 --max-connections 3 --rate-after 200:20</c>.</summary>
    public static async Task<Sink> StartAsync(int replyDelayMs, bool failFirst = false, bool pipelining = true, bool chunking = true,
        IEnumerable<string>? limits = null)
    {
        var port = FreePort();
        var receipts = Path.Combine(Path.GetTempPath(), $"emailworker-bench-{Guid.NewGuid():N}.receipts");
        var arguments = new List<string> { "--port", port.ToString(CultureInfo.InvariantCulture), "--discard", "--receipts", receipts,
            "--reply-delay-ms", replyDelayMs.ToString(CultureInfo.InvariantCulture), "--attempts" };
        if (failFirst)
            arguments.Add("--fail-first");
        if (!pipelining)
            arguments.Add("--no-pipelining");
        if (!chunking)
            arguments.Add("--no-chunking");
        arguments.AddRange(limits ?? []);
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

    /// <summary>
    /// How many receipts so far of the messages whose ids start with <paramref name="prefix"/> and a dash (a batch's, or
    /// a latency run's). Counted per prefix rather than from a total taken before a drain: the sink flushes its log every
    /// 200 ms, so receipts of the drain before (the SMTP ceiling returns at its last reply, not its last logged receipt)
    /// may land after such a total was read, and counted as this drain's they ended its wait before its last messages.
    /// </summary>
    public int Arrived(string prefix)
    {
        lock (_read)
        {
            ReadNewLines();
            return _arrivedPerPrefix.GetValueOrDefault(prefix);
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
            var fields = line[(space + 1)..].ToString().Split(' ');
            if (fields is ["!refusals", var rate, var connections])
            {
                _refusals = (long.Parse(rate, CultureInfo.InvariantCulture), long.Parse(connections, CultureInfo.InvariantCulture));
            }
            else if (fields is ["!rate", var changed])
            {
                _rateChanges.Add((at, int.Parse(changed, CultureInfo.InvariantCulture)));
            }
            else if (fields is [var attempted, "attempt"])
            {
                _attempts.Add((at, attempted));
            }
            else if (fields is [var recipient, var messageId, var flights])
            {
                _read.Add((at, recipient));
                _flightsAt.Add(long.Parse(flights, NumberStyles.None, CultureInfo.InvariantCulture));
                _copies[(messageId, recipient)] = _copies.GetValueOrDefault((messageId, recipient)) + 1;
                if (recipient.IndexOf('-', StringComparison.Ordinal) is > 0 and var dash)
                    _arrivedPerPrefix[recipient[..dash]] = _arrivedPerPrefix.GetValueOrDefault(recipient[..dash]) + 1;
            }
        }
        _readUpTo += System.Text.Encoding.UTF8.GetByteCount(text.AsSpan(0, complete));
    }

    /// <summary>The refusals the sink sent so far, over its rate and its connection limit (logged every 200 ms when they grew).</summary>
    public (long Rate, long Connections) Refusals
    {
        get
        {
            lock (_read)
            {
                ReadNewLines();
                return _refusals;
            }
        }
    }

    /// <summary>When the sink's rate limit changed (<c>--rate-after</c>), and to what.</summary>
    public IReadOnlyList<(long At, int Rate)> RateChanges
    {
        get
        {
            lock (_read)
            {
                ReadNewLines();
                return [.. _rateChanges];
            }
        }
    }

    /// <summary>
    /// The batch's measured recipients that arrived, and the window from the first one's first attempt to the last
    /// arrival (unix ms); throws when one arrived twice. For drains where some may never arrive (a throttling relay).
    /// </summary>
    public (int Delivered, long From, long To) Arrivals(Batch batch)
    {
        var measured = batch.MeasuredRecipients;
        lock (_read)
        {
            ReadNewLines();
            var doubled = _copies.Where(c => c.Key.Recipient.StartsWith(measured, StringComparison.Ordinal)).GroupBy(c => c.Key.Recipient)
                .FirstOrDefault(g => g.Sum(c => c.Value) > 1);
            if (doubled is not null)
                throw new InvalidOperationException($"batch {batch.Prefix}: {doubled.Key} arrived more than once");
            var delivered = _read.Where(r => r.Recipient.StartsWith(measured, StringComparison.Ordinal)).Select(r => r.At).ToArray();
            var first = _attempts.Where(a => a.Recipient.StartsWith(measured, StringComparison.Ordinal)).Select(a => a.At).DefaultIfEmpty(0).Min();
            return (delivered.Length, first, delivered.DefaultIfEmpty(first).Max());
        }
    }

    /// <summary>Waits until <paramref name="count"/> receipts of the messages with <paramref name="prefix"/> are logged (<see cref="Arrived"/>).</summary>
    public async Task WaitForAsync(string prefix, int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (Arrived(prefix) >= count)
                return;
            await Task.Delay(50);
        }
        throw new TimeoutException($"only {Arrived(prefix)} of {count} messages of {prefix} reached the sink within {timeout.TotalSeconds} s");
    }

    /// <summary>
    /// Messages per second for the batch's measured recipients, each of which must have arrived exactly once (else it
    /// throws: a rate of lost or doubled mail is no rate): how many reached the sink, over
    /// the window from their first attempt (or <paramref name="startAt"/>, unix ms, when given) to the last of them
    /// accepted. The same window for every peer: what came before the first of these messages — process start-up, a
    /// warm-up batch — is outside it, and a retried message's earlier attempts are inside it.
    /// </summary>
    public double RateOf(Batch batch, long? startAt = null)
    {
        var measured = batch.MeasuredRecipients;
        lock (_read)
        {
            ReadNewLines();
            CheckExactlyOnce(batch);
            var delivered = _read.Where(r => r.Recipient.StartsWith(measured, StringComparison.Ordinal)).Select(r => r.At).ToArray();
            var first = startAt ?? _attempts.Where(a => a.Recipient.StartsWith(measured, StringComparison.Ordinal)).Select(a => a.At).DefaultIfEmpty(long.MaxValue).Min();
            return delivered.Length == 0 || delivered.Max() <= first ? double.NaN : delivered.Length * 1000.0 / (delivered.Max() - first);
        }
    }

    /// <summary>Every recipient of the batch (warm-up and measured) once, each under one Message-ID, and nothing else of it.</summary>
    private void CheckExactlyOnce(Batch batch)
    {
        var expected = batch.WarmUpIds.Concat(batch.MeasuredIds).Select(id => $"{id}@bench.test").ToHashSet(StringComparer.Ordinal);
        var copies = _copies.Where(c => c.Key.Recipient.StartsWith(batch.Prefix + "-", StringComparison.Ordinal)).ToList();
        var doubled = copies.Where(c => c.Value > 1).Select(c => c.Key.Recipient)
            .Concat(copies.GroupBy(c => c.Key.Recipient).Where(g => g.Count() > 1).Select(g => g.Key)).Distinct().ToList();
        var arrived = copies.Select(c => c.Key.Recipient).ToHashSet(StringComparer.Ordinal);
        var missing = expected.Count(r => !arrived.Contains(r));
        var unexpected = arrived.Count(r => !expected.Contains(r));
        if (doubled.Count > 0 || missing > 0 || unexpected > 0)
        {
            throw new InvalidOperationException(
                $"batch {batch.Prefix}: {doubled.Count} recipient(s) arrived more than once (e.g. {doubled.FirstOrDefault()}), {missing} never, {unexpected} not in the batch");
        }
    }

    /// <summary>
    /// Round trips per message the client needed while the batch's measured messages arrived: the sink's flights between
    /// the first and the last of them, over the messages between (connection set-up falls outside, or is spread thin).
    /// </summary>
    public double RoundTripsPerMessage(Batch batch)
    {
        lock (_read)
        {
            ReadNewLines();
            var indices = Enumerable.Range(0, _read.Count).Where(i => _read[i].Recipient.StartsWith(batch.MeasuredRecipients, StringComparison.Ordinal)).ToList();
            if (indices.Count < 2)
                return double.NaN;
            var first = indices[0];
            var last = indices[^1];
            // Receipts are logged in arrival order: every message between the first and the last measured one counts.
            return (double)(_flightsAt[last] - _flightsAt[first]) / (last - first);
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
