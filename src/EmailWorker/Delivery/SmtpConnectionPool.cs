using System.Diagnostics;
using System.Threading.Channels;
using EmailWorker.Configuration;
using EmailWorker.Publisher.Connection;
using EmailWorker.Diagnostics;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace EmailWorker.Delivery;

/// <summary>
/// A fixed number of persistent SMTP connections to the relay. A connection is opened when first needed, reused for
/// every following message, and reopened when the relay or the network dropped it. MailKit's client is not safe for
/// concurrent use, so each send holds one connection exclusively.
/// </summary>
internal sealed class SmtpConnectionPool : IAsyncDisposable
{
    private readonly SmtpOptions _options;
    private readonly WorkerMetrics _metrics;
    private readonly ILogger<SmtpConnectionPool> _logger;
    private readonly Channel<RelaySmtpClient> _idle;
    private readonly RelaySmtpClient[] _all;
    private static readonly TimeSpan IdleCheckAfter = TimeSpan.FromSeconds(30);

    public SmtpConnectionPool(IOptions<SmtpOptions> options, WorkerMetrics metrics, ILogger<SmtpConnectionPool> logger)
    {
        _options = options.Value;
        _metrics = metrics;
        _logger = logger;
        var certificateTrust = string.IsNullOrEmpty(_options.TrustedCaFile) ? null : CertificateTrust.Validator(_options.TrustedCaFile);
        _all = Enumerable.Range(0, _options.PoolSize).Select(_ => new RelaySmtpClient
        {
            Timeout = (int)_options.TimeoutValue.TotalMilliseconds,
            ServerCertificateValidationCallback = certificateTrust,
        }).ToArray();
        _idle = Channel.CreateBounded<RelaySmtpClient>(_options.PoolSize);
        foreach (var client in _all)
            _idle.Writer.TryWrite(client);
    }

    /// <summary>Connections taken by an attempt or a probe right now (the in-use gauge).</summary>
    public int InUse => _all.Length - _idle.Reader.Count;

    /// <summary>
    /// Sends one message over a pooled connection, connecting it first when it is not open. The <paramref name="deadline"/>
    /// starts once a connection is taken: waiting for a free one is not the relay's slowness. <paramref name="beforeTransaction"/>
    /// runs once the connection is ready, just before MAIL FROM (the delivered ledger claims its recipients there, so a
    /// handler still waiting for a connection has claimed nothing).
    /// </summary>
    public async Task<SendReport> SendAsync(MimeMessage message, MailboxAddress sender, IReadOnlyList<MailboxAddress> recipients,
        TimeSpan deadline, CancellationToken cancellationToken, Func<Task>? beforeTransaction = null)
    {
        var client = await _idle.Reader.ReadAsync(cancellationToken);
        // Timed and traced from here: waiting for a free connection is not the relay's slowness either.
        using var span = SmtpAttemptSpan.Start(_options.Host, _options.Port);
        var started = Stopwatch.GetTimestamp();
        var replyClass = ReplyClass.None;
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(deadline);
        client.BeginAttempt();
        try
        {
            await EnsureConnectedAsync(client, attempt.Token);
            if (beforeTransaction is not null)
                await beforeTransaction();
            var reply = await client.SendTrackedAsync(message, sender, recipients, attempt.Token);
            client.LastUsed = DateTimeOffset.UtcNow;
            replyClass = ReplyClass.Success;
            return new SendReport(reply, [.. client.Refusals]);
        }
        catch (Exception ex) when (SmtpAttemptSpan.Failed(span, ex, out replyClass))
        {
            // Never entered: the filter only notes the failure for the span and the metric, and the catches below handle it.
            throw;
        }
        catch (OperationCanceledException ex) when (attempt.IsCancellationRequested)
        {
            await DisconnectQuietlyAsync(client);
            if (cancellationToken.IsCancellationRequested)
                throw new AttemptInterruptedException(client.BodyStarted, ex);
            throw new AttemptDeadlineExceededException(deadline, client.BodyStarted);
        }
        catch (SmtpCommandException refused) when (!IsOutOfStep(refused))
        {
            // MailKit has sent RSET and the connection is still good for the next message.
            throw;
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or SmtpProtocolException or SmtpCommandException)
        {
            // The dialogue is in an unknown state: the next message starts on a fresh connection.
            await DisconnectQuietlyAsync(client);
            throw ex is SmtpCommandException ? ex : new ConnectionLostException(ex, client.BodyStarted);
        }
        catch (Exception) when (client.IsConnected)
        {
            await DisconnectQuietlyAsync(client);
            throw;
        }
        finally
        {
            _metrics.SmtpAttempt(started, replyClass);
            SmtpAttemptSpan.Ended(span, replyClass);
            _idle.Writer.TryWrite(client);
        }
    }

    /// <summary>
    /// The breaker's probe: connects (greeting, EHLO, TLS, AUTH) and starts a transaction with <paramref name="sender"/>
    /// (the null sender when none), then abandons it — a relay that greets but refuses every sender does not pass.
    /// </summary>
    public async Task ProbeAsync(string? sender, CancellationToken cancellationToken)
    {
        var client = await _idle.Reader.ReadAsync(cancellationToken);
        try
        {
            await EnsureConnectedAsync(client, cancellationToken);
            await client.ProbeTransactionAsync(sender, cancellationToken);
            client.LastUsed = DateTimeOffset.UtcNow;
        }
        catch (Exception) when (client.IsConnected)
        {
            await DisconnectQuietlyAsync(client);
            throw;
        }
        finally
        {
            _idle.Writer.TryWrite(client);
        }
    }

    /// <summary>
    /// A syntax or sequence error reply (500–504): the dialogue may be out of step, e.g. after a pipelining desync, so the
    /// connection is not trusted for the next message.
    /// </summary>
    private static bool IsOutOfStep(SmtpCommandException refused) => (int)refused.StatusCode is >= 500 and <= 504;

    private async Task EnsureConnectedAsync(RelaySmtpClient client, CancellationToken cancellationToken)
    {
        if (client.IsConnected && DateTimeOffset.UtcNow - client.LastUsed > IdleCheckAfter)
        {
            // Relays drop idle connections (Postfix after 300 s) without the client noticing: check before trusting one.
            try
            {
                await client.NoOpAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                await DisconnectQuietlyAsync(client);
            }
        }
        if (client.IsConnected)
            return;
        try
        {
            await client.ConnectAsync(_options.Host, _options.Port, ToMailKit(_options.SecurityMode), cancellationToken);
            if (!string.IsNullOrEmpty(_options.Username))
                await client.AuthenticateAsync(_options.Username, _options.Password ?? "", cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Refused connection, greeting 421/554, TLS or login failure: the relay's or the configuration's fault.
            await DisconnectQuietlyAsync(client);
            throw new RelayUnavailableException(ex);
        }
        client.LastUsed = DateTimeOffset.UtcNow;
        Log.SmtpConnected(_logger, _options.Host, _options.Port);
    }

    // StartTls maps to MailKit's StartTls, which fails when the server lacks STARTTLS: never a silent plaintext fallback.
    private static SecureSocketOptions ToMailKit(SmtpSecurity security) => security switch
    {
        SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
        SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
        _ => SecureSocketOptions.None,
    };

    private static async Task DisconnectQuietlyAsync(RelaySmtpClient client)
    {
        try
        {
            await client.DisconnectAsync(quit: false, CancellationToken.None);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or MailKit.ServiceNotConnectedException or ObjectDisposedException)
        {
            // The connection is gone either way; the next use reconnects.
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _all)
        {
            if (client.IsConnected)
            {
                try
                {
                    using var quitTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                    await client.DisconnectAsync(quit: true, quitTimeout.Token);
                }
                catch (Exception ex) when (ex is IOException or OperationCanceledException or MailKit.ProtocolException or System.Net.Sockets.SocketException)
                {
                    // Shutting down: a relay that does not answer QUIT does not matter any more.
                }
            }
            client.Dispose();
        }
    }
}
