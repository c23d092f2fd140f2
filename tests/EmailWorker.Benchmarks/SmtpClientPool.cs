using System.Threading.Channels;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace EmailWorker.Benchmarks;

/// <summary>
/// Persistent MailKit connections shared by concurrent senders: a sender takes an idle one, sends, and gives it back;
/// one that was dropped is reconnected before use. What a capable team writes around MailKit in an afternoon.
/// </summary>
internal sealed class SmtpClientPool : IAsyncDisposable
{
    private readonly Channel<SmtpClient> _idle = Channel.CreateUnbounded<SmtpClient>();
    private readonly List<SmtpClient> _all = [];
    private readonly int _port;

    private SmtpClientPool(int port) => _port = port;

    public static async Task<SmtpClientPool> OpenAsync(int port, int size)
    {
        var pool = new SmtpClientPool(port);
        await Task.WhenAll(Enumerable.Range(0, size).Select(async _ =>
        {
            var client = new SmtpClient();
            await client.ConnectAsync("127.0.0.1", port, SecureSocketOptions.None);
            lock (pool._all)
                pool._all.Add(client);
            pool._idle.Writer.TryWrite(client);
        }));
        return pool;
    }

    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        var client = await _idle.Reader.ReadAsync(cancellationToken);
        try
        {
            if (!client.IsConnected)
                await client.ConnectAsync("127.0.0.1", _port, SecureSocketOptions.None, cancellationToken);
            await client.SendAsync(message, cancellationToken);
        }
        finally
        {
            _idle.Writer.TryWrite(client);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _all)
        {
            if (client.IsConnected)
                await client.DisconnectAsync(true);
            client.Dispose();
        }
    }
}
