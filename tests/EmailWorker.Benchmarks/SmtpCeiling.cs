using System.Diagnostics;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace EmailWorker.Benchmarks;

/// <summary>
/// MailKit straight to the sink over the same number of persistent connections the worker pools: the most SMTP this
/// machine does with MailKit. Also its CPU cost per message (this process sends; the sink runs in its own).
/// </summary>
internal static class SmtpCeiling
{
    public static async Task<(double PerSecond, double CpuMsPerMessage)> MeasureAsync(int sinkPort, int connections, int count)
    {
        var clients = new List<SmtpClient>();
        for (var i = 0; i < connections; i++)
        {
            var client = new SmtpClient();
            await client.ConnectAsync("127.0.0.1", sinkPort, SecureSocketOptions.None);
            clients.Add(client);
        }
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var next = -1;
        await Task.WhenAll(clients.Select(async client =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < count)
                await client.SendAsync(Mime($"ceiling-{index}"));
        }));
        var elapsed = clock.Elapsed;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        foreach (var client in clients)
        {
            await client.DisconnectAsync(true);
            client.Dispose();
        }
        return (count / elapsed.TotalSeconds, cpu.TotalMilliseconds / count);
    }

    /// <summary>The MIME message the worker would build for the benchmark command.</summary>
    public static MimeMessage Mime(string id)
    {
        var command = Messages.Command(id);
        var message = new MimeMessage { Subject = command.Subject ?? "", MessageId = $"{id}@bench.test" };
        message.From.Add(MailboxAddress.Parse(command.From!.Address));
        message.To.Add(MailboxAddress.Parse(command.To[0].Address));
        message.Body = new TextPart("plain") { Text = command.Text ?? "" };
        return message;
    }
}
