using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace EmailWorker.Benchmarks;

/// <summary>The smtpsink program, discarding mail and logging one receipt line per message: "&lt;unix ms&gt; &lt;first recipient&gt;".</summary>
internal sealed class Sink : IAsyncDisposable
{
    private readonly ChildProcess _process;
    private readonly string _receipts;

    private Sink(ChildProcess process, int port, string receipts)
    {
        _process = process;
        Port = port;
        _receipts = receipts;
    }

    public int Port { get; }

    public static async Task<Sink> StartAsync(int replyDelayMs, bool failFirst = false)
    {
        var port = FreePort();
        var receipts = Path.Combine(Path.GetTempPath(), $"emailworker-bench-{Guid.NewGuid():N}.receipts");
        var arguments = new List<string> { "--port", port.ToString(CultureInfo.InvariantCulture), "--discard", "--receipts", receipts,
            "--reply-delay-ms", replyDelayMs.ToString(CultureInfo.InvariantCulture) };
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

    /// <summary>Receipts so far (the sink flushes its log every 200 ms).</summary>
    public IReadOnlyList<(long At, string Recipient)> Receipts()
    {
        if (!File.Exists(_receipts))
            return [];
        using var stream = new FileStream(_receipts, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var receipts = new List<(long, string)>();
        while (reader.ReadLine() is { } line)
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space > 0 && long.TryParse(line.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out var at))
                receipts.Add((at, line[(space + 1)..]));
        }
        return receipts;
    }

    /// <summary>Waits until <paramref name="count"/> receipts are logged; returns the time of the last one (unix ms).</summary>
    public async Task<long> WaitForAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var receipts = Receipts();
            if (receipts.Count >= count)
                return receipts.Max(r => r.At);
            await Task.Delay(50);
        }
        throw new TimeoutException($"only {Receipts().Count} of {count} messages reached the sink within {timeout.TotalSeconds} s");
    }

    /// <summary>
    /// Messages per second over the last <paramref name="count"/> receipts, first to last: the steady drain rate, without
    /// the start-up of the process that sends them.
    /// </summary>
    public double RateOfLast(int count)
    {
        var last = Receipts().TakeLast(count).Select(r => r.At).ToArray();
        return last.Length < 2 || last[^1] == last[0] ? double.NaN : (last.Length - 1) * 1000.0 / (last[^1] - last[0]);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        File.Delete(_receipts);
    }
}
