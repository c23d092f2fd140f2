using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using MimeKit;

namespace EmailWorker.Benchmarks;

/// <summary>
/// What one round trip per message would buy, measured before building it: a bare writer that sends MAIL, RCPT and
/// <c>BDAT &lt;size&gt; LAST</c> with the MimeKit-written body in one flight and reads the three replies back, over the same
/// persistent connections as the MailKit ceiling, with its CPU per message. A probe for the decision, not a client: it
/// handles no refusal, TLS or AUTH, and fails the run on any reply but 250.
/// </summary>
internal static class OneFlightProbe
{
    private static readonly FormatOptions Format = DosLineEndings();

    public static async Task<(double PerSecond, double CpuMsPerMessage)> MeasureAsync(int sinkPort, int connections, int warmUp, int count)
    {
        var sessions = new List<(TcpClient Tcp, NetworkStream Stream, StreamReader Reader)>();
        for (var i = 0; i < connections; i++)
        {
            var tcp = new TcpClient { NoDelay = true };
            await tcp.ConnectAsync("127.0.0.1", sinkPort);
            var stream = tcp.GetStream();
            var reader = new StreamReader(stream, Encoding.ASCII);
            await ReadReplyAsync(reader);
            await stream.WriteAsync("EHLO probe\r\n"u8.ToArray());
            if (!(await ReadReplyAsync(reader)).Contains("CHUNKING", StringComparison.Ordinal))
                throw new InvalidOperationException("the sink does not offer CHUNKING");
            sessions.Add((tcp, stream, reader));
        }
        await SendAllAsync(sessions, "oneflight-w", warmUp);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await SendAllAsync(sessions, "oneflight-m", count);
        var elapsed = clock.Elapsed;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        foreach (var (tcp, stream, reader) in sessions)
        {
            reader.Dispose();
            await stream.DisposeAsync();
            tcp.Dispose();
        }
        return (count / elapsed.TotalSeconds, cpu.TotalMilliseconds / count);
    }

    private static Task SendAllAsync(List<(TcpClient Tcp, NetworkStream Stream, StreamReader Reader)> sessions, string prefix, int count)
    {
        var next = -1;
        return Task.WhenAll(sessions.Select(async session =>
        {
            using var buffer = new MemoryStream();
            int index;
            while ((index = Interlocked.Increment(ref next)) < count)
            {
                var id = $"{prefix}{index}";
                var message = SmtpCeiling.Mime(id);
                buffer.SetLength(0);
                var envelope = $"MAIL FROM:<bench@example.com>\r\nRCPT TO:<{id}@bench.test>\r\nBDAT ";
                buffer.Write(Encoding.ASCII.GetBytes(envelope));
                var sizeAt = buffer.Position;
                buffer.Write("0000000000 LAST\r\n"u8);
                var bodyAt = buffer.Position;
                await message.WriteToAsync(Format, buffer);
                var size = buffer.Position - bodyAt;
                // The size field is padded to a fixed width so the body is written once; RFC 3030 allows leading zeros.
                Encoding.ASCII.GetBytes(size.ToString("D10", CultureInfo.InvariantCulture)).CopyTo(buffer.GetBuffer(), sizeAt);
                await session.Stream.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
                for (var reply = 0; reply < 3; reply++)
                {
                    var line = await ReadReplyAsync(session.Reader);
                    if (!line.StartsWith("250", StringComparison.Ordinal))
                        throw new InvalidOperationException($"one-flight probe: {line}");
                }
            }
        }));
    }

    private static FormatOptions DosLineEndings()
    {
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        return format;
    }

    private static async Task<string> ReadReplyAsync(StreamReader reader)
    {
        var all = new StringBuilder();
        while (true)
        {
            var line = await reader.ReadLineAsync() ?? throw new IOException("the sink closed the connection");
            all.Append(line).Append('\n');
            if (line.Length < 4 || line[3] != '-')
                return all.ToString();
        }
    }
}
