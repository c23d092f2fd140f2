using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EmailWorker.Benchmarks;

/// <summary>
/// A stand-in OpenTelemetry collector on loopback for OTLP over HTTP/protobuf: answers every POST with an empty 200 (a valid
/// empty export response) and counts the bytes exported, proving the worker's spans went somewhere. Also scrapes a
/// worker's Prometheus endpoint every few seconds, as a Prometheus server would.
/// </summary>
internal sealed class Collector : IAsyncDisposable
{
    private static readonly byte[] Ok = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 0\r\n\r\n");
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private long _exportedBytes;

    public Collector()
    {
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public string Endpoint => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public long ExportedBytes => Interlocked.Read(ref _exportedBytes);

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
                _ = ServeAsync(await _listener.AcceptTcpClientAsync(_stop.Token));
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>HTTP/1.1 keep-alive: headers, a body (Content-Length or chunked), an empty 200; again until the client closes.</summary>
    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        try
        {
            var stream = client.GetStream();
            while (await ReadLinesAsync(stream, untilEmpty: true) is { } headers)
            {
                var length = headers.FirstOrDefault(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) is { } contentLength
                    ? int.Parse(contentLength.AsSpan(15).Trim(), System.Globalization.CultureInfo.InvariantCulture) : 0;
                if (headers.Any(h => h.StartsWith("Transfer-Encoding:", StringComparison.OrdinalIgnoreCase) && h.Contains("chunked", StringComparison.OrdinalIgnoreCase)))
                {
                    // Chunks: "size(hex)" line, the data and its CRLF, until a zero-size chunk and the empty trailer line.
                    while ((await ReadLinesAsync(stream, untilEmpty: false))?.FirstOrDefault() is { } size
                        && int.Parse(size.Split(';')[0], System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture) is var chunk and > 0)
                    {
                        await SkipAsync(stream, chunk + 2);
                        length += chunk;
                    }
                    await ReadLinesAsync(stream, untilEmpty: true);
                }
                else
                {
                    await SkipAsync(stream, length);
                }
                Interlocked.Add(ref _exportedBytes, length);
                await stream.WriteAsync(Ok, _stop.Token);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or FormatException)
        {
        }
    }

    private async Task SkipAsync(NetworkStream stream, int count)
    {
        var buffer = new byte[Math.Min(Math.Max(count, 1), 64 * 1024)];
        for (var left = count; left > 0;)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(0, Math.Min(left, buffer.Length)), _stop.Token);
            if (read == 0)
                throw new IOException("closed mid-body");
            left -= read;
        }
    }

    /// <summary>
    /// Reads CRLF lines byte by byte (so no body byte is consumed): one line, or up to an empty line (a header block).
    /// Null when the client closed first.
    /// </summary>
    private async Task<List<string>?> ReadLinesAsync(NetworkStream stream, bool untilEmpty)
    {
        var lines = new List<string>();
        var line = new StringBuilder();
        var one = new byte[1];
        while (true)
        {
            if (await stream.ReadAsync(one, _stop.Token) == 0)
                return null;
            if (one[0] != '\n')
            {
                line.Append((char)one[0]);
                continue;
            }
            var text = line.ToString().TrimEnd('\r');
            line.Clear();
            if (!untilEmpty)
                return [text];
            if (text.Length == 0)
                return lines;
            lines.Add(text);
        }
    }

    /// <summary>Scrapes <paramref name="metricsUrl"/> every <paramref name="interval"/> until the returned task's token is cancelled.</summary>
    public static async Task ScrapeAsync(string metricsUrl, TimeSpan interval, CancellationToken cancellationToken)
    {
        using var http = new HttpClient();
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    await http.GetStringAsync(metricsUrl, cancellationToken);
                }
                catch (HttpRequestException)
                {
                    // The worker is still starting its listener.
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
