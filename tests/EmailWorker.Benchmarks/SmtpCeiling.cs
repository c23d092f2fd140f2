using System.Diagnostics;
using MailKit.Net.Smtp;
using MailKit.Security;
using EmailWorker.Contracts;
using MimeKit;

namespace EmailWorker.Benchmarks;

/// <summary>
/// MailKit straight to the sink over the same number of persistent connections the worker pools: the most SMTP this
/// machine does with MailKit. Also its CPU cost per message (this process sends; the sink runs in its own). A warm-up batch
/// goes first over the same connections, unmeasured, so the figure is warm code as every peer's is.
/// </summary>
internal static class SmtpCeiling
{
    public static async Task<(double PerSecond, double CpuMsPerMessage)> MeasureAsync(int sinkPort, int connections, int warmUp, int count)
    {
        var clients = new List<SmtpClient>();
        for (var i = 0; i < connections; i++)
        {
            var client = new SmtpClient();
            await client.ConnectAsync("127.0.0.1", sinkPort, SecureSocketOptions.None);
            clients.Add(client);
        }
        await SendAllAsync(clients, "ceiling-w", warmUp);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await SendAllAsync(clients, "ceiling-m", count);
        var elapsed = clock.Elapsed;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        foreach (var client in clients)
        {
            await client.DisconnectAsync(true);
            client.Dispose();
        }
        return (count / elapsed.TotalSeconds, cpu.TotalMilliseconds / count);
    }

    private static Task SendAllAsync(List<SmtpClient> clients, string prefix, int count)
    {
        var next = -1;
        return Task.WhenAll(clients.Select(async client =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < count)
                await client.SendAsync(Mime($"{prefix}{index}"));
        }));
    }

    /// <summary>The MIME message the worker would build for the benchmark command.</summary>
    public static MimeMessage Mime(string id) => Mime(Messages.Command(id));

    /// <summary>The MIME message for a command as a consumer reads it: sender, recipients, subject and text.</summary>
    public static MimeMessage Mime(SendEmail command)
    {
        var message = new MimeMessage { Subject = command.Subject ?? "", MessageId = $"{command.MessageId}@bench.test" };
        message.From.Add(MailboxAddress.Parse(command.From!.Address));
        foreach (var to in command.To)
            message.To.Add(MailboxAddress.Parse(to.Address));
        message.Body = new TextPart("plain") { Text = command.Text ?? "" };
        return message;
    }
}
