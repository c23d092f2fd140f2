using System.Diagnostics;
using EmailWorker.Configuration;
using EmailWorker.Publisher.Connection;
using EmailWorker.Diagnostics;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using MimeKit;

namespace EmailWorker.Delivery;

/// <summary>
/// Persistent SMTP connections to one relay, at most its <c>PoolSize</c>, and at most as many in use as the relay's
/// <see cref="RelayGate"/> allows now (which also spaces transaction starts to its rate). The connections are opened at
/// start-up up to that limit (<see cref="OpenAllAsync"/>), reused for every following message (an open one before a closed one, so the relay's count is not spent
/// on new ones while one it holds sits idle), reopened
/// when the relay or the network dropped it, and closed when it is returned while more are open than the limit allows.
/// MailKit's client is not safe for concurrent use, so each send holds one connection exclusively.
/// </summary>
internal sealed class SmtpConnectionPool : IAsyncDisposable
{
    private readonly SmtpOptions _options;
    private readonly WorkerMetrics _metrics;
    private readonly RelayGate _gate;
    private readonly ILogger<SmtpConnectionPool> _logger;
    private readonly Lock _idleLock = new();
    private readonly List<RelaySmtpClient> _idle;
    private readonly RelaySmtpClient[] _all;
    private static readonly TimeSpan IdleCheckAfter = TimeSpan.FromSeconds(30);

    /// <summary>A pool for one relay: <paramref name="options"/> are its connection settings (<see cref="RelaySettings.Connection"/>).</summary>
    public SmtpConnectionPool(SmtpOptions options, WorkerMetrics metrics, RelayGate gate, ILogger<SmtpConnectionPool> logger)
    {
        _options = options;
        _metrics = metrics;
        _gate = gate;
        _logger = logger;
        var certificateTrust = string.IsNullOrEmpty(_options.TrustedCaFile) ? null : CertificateTrust.Validator(_options.TrustedCaFile);
        _all = Enumerable.Range(0, _options.PoolSize).Select(_ => new RelaySmtpClient
        {
            Timeout = (int)_options.TimeoutValue.TotalMilliseconds,
            ServerCertificateValidationCallback = certificateTrust,
        }).ToArray();
        _idle = [.. _all];
    }

    /// <summary>Connections taken by an attempt or a probe right now (the in-use gauge).</summary>
    public int InUse
    {
        get
        {
            lock (_idleLock)
                return _all.Length - _idle.Count;
        }
    }

    /// <summary>Connections open to the relay right now.</summary>
    public int Open => _all.Count(client => client.IsConnected);

    /// <summary>The relay throttled a send: its gate lowers the limits (once per episode).</summary>
    public void Throttled(ThrottleSignal signal) => _gate.Throttled(signal, Open);

    /// <summary>
    /// Sends one message over a pooled connection, connecting it first when it is not open. The <paramref name="deadline"/>
    /// starts once a connection is taken: waiting for a free one is not the relay's slowness. <paramref name="beforeTransaction"/>
    /// runs once the connection is ready, just before MAIL FROM (the delivered ledger claims its recipients there, so a
    /// handler still waiting for a connection has claimed nothing).
    /// </summary>
    public async Task<SendReport> SendAsync(MimeMessage message, MailboxAddress sender, IReadOnlyList<MailboxAddress> recipients,
        TimeSpan deadline, CancellationToken cancellationToken, Func<Task>? beforeTransaction = null)
    {
        var permit = await _gate.AcquireAsync(paced: true, cancellationToken);
        var client = Take();
        // Timed and traced from here: waiting for a free connection (or for the rate) is not the relay's slowness either.
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
            // The relay's latency, for the gate's latency signal: from MAIL FROM on, not our own connect or ledger write.
            var transactionStarted = Stopwatch.GetTimestamp();
            var reply = await client.SendTrackedAsync(message, sender, recipients, attempt.Token);
            client.LastUsed = DateTimeOffset.UtcNow;
            replyClass = ReplyClass.Success;
            _gate.Succeeded(permit, Stopwatch.GetElapsedTime(transactionStarted));
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
            _metrics.SmtpAttempt(_gate.Relay, started, replyClass);
            SmtpAttemptSpan.Ended(span, replyClass);
            await ReturnAsync(client);
        }
    }

    /// <summary>
    /// Opens every connection (greeting, EHLO, TLS, AUTH) at once, so the first messages after a start do not wait for it.
    /// A relay that is down is no failure here: the connection stays closed, and the first message that takes it opens it
    /// (or trips the breaker) as it would have without this; one warning names how many could not be opened and why.
    /// </summary>
    public async Task OpenAllAsync(CancellationToken cancellationToken)
    {
        var failures = await Task.WhenAll(_all.Select(_ => OpenOneAsync(cancellationToken)));
        if (failures.FirstOrDefault(f => f is not null) is { } first)
        {
            Log.SmtpPoolNotOpened(_logger, failures.Count(f => f is not null), _all.Length, _options.Host, _options.Port, _gate.Relay,
                (first.InnerException ?? first).Message);
        }
    }

    /// <summary>Opens one idle connection within the SMTP timeout; the reason when it could not.</summary>
    private async Task<Exception?> OpenOneAsync(CancellationToken cancellationToken)
    {
        await _gate.AcquireAsync(paced: false, cancellationToken);
        var client = Take();
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(_options.TimeoutValue);
        try
        {
            await EnsureConnectedAsync(client, bounded.Token);
            return null;
        }
        catch (RelayUnavailableException ex)
        {
            return ex;
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            await DisconnectQuietlyAsync(client);
            return new TimeoutException($"no answer within {_options.TimeoutValue.TotalSeconds:0.#} s", ex);
        }
        finally
        {
            await ReturnAsync(client);
        }
    }

    /// <summary>
    /// The breaker's probe: connects (greeting, EHLO, TLS, AUTH) and starts a transaction with <paramref name="sender"/>
    /// (the null sender when none), then abandons it — a relay that greets but refuses every sender does not pass.
    /// </summary>
    public async Task ProbeAsync(string? sender, CancellationToken cancellationToken)
    {
        await _gate.AcquireAsync(paced: false, cancellationToken);
        var client = Take();
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
            await ReturnAsync(client);
        }
    }

    /// <summary>The gate lets at most as many senders in as there are clients, so one is always idle for a sender it let in.</summary>
    private RelaySmtpClient Take()
    {
        lock (_idleLock)
        {
            if (_idle.Count == 0)
                throw new InvalidOperationException("the relay gate let in more senders than the pool has connections");
            var index = _idle.FindLastIndex(client => client.IsConnected);
            if (index < 0)
                index = _idle.Count - 1;
            var client = _idle[index];
            _idle.RemoveAt(index);
            return client;
        }
    }

    /// <summary>Back to the idle ones — closed first when more are open than the relay's limit allows now — and the slot freed.</summary>
    private async Task ReturnAsync(RelaySmtpClient client)
    {
        if (client.IsConnected && _gate.IsSurplus(Open))
            await QuitQuietlyAsync(client);
        lock (_idleLock)
            _idle.Add(client);
        _gate.Release();
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
        Log.SmtpConnected(_logger, _options.Host, _options.Port, _gate.Relay);
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

    private static async Task QuitQuietlyAsync(RelaySmtpClient client)
    {
        if (!client.IsConnected)
            return;
        try
        {
            using var quitTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await client.DisconnectAsync(quit: true, quitTimeout.Token);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or MailKit.ProtocolException or System.Net.Sockets.SocketException
                                       or MailKit.ServiceNotConnectedException or ObjectDisposedException)
        {
            // Closing either way: a relay that does not answer QUIT does not matter any more.
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _all)
        {
            await QuitQuietlyAsync(client);
            client.Dispose();
        }
    }
}
