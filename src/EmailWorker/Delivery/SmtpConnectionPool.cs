using System.Diagnostics;
using EmailWorker.Configuration;
using EmailWorker.Diagnostics;
using EmailWorker.Smtp;
using Microsoft.Extensions.Logging;
using MimeKit;

namespace EmailWorker.Delivery;

/// <summary>
/// Persistent SMTP connections to one relay, at most its <c>PoolSize</c>, and at most as many in use as the relay's
/// <see cref="RelayGate"/> allows now (which also spaces transaction starts to its rate). The connections are opened at
/// start-up up to that limit (<see cref="OpenAllAsync"/>), reused for every following message (an open one before a closed one, so the relay's count is not spent
/// on new ones while one it holds sits idle), reopened
/// when the relay or the network dropped it, and closed when it is returned while more are open than the limit allows.
/// A <see cref="RelayConnection"/> is not safe for concurrent use, so each send holds one connection exclusively.
/// Opening, probing and closing connections: <c>SmtpConnectionPool.Connections.cs</c>.
/// </summary>
internal sealed partial class SmtpConnectionPool : IAsyncDisposable
{
    private readonly SmtpOptions _options;
    private readonly WorkerMetrics _metrics;
    private readonly RelayGate _gate;
    private readonly ILogger<SmtpConnectionPool> _logger;
    private readonly Lock _idleLock = new();
    private readonly List<RelayConnection> _idle;
    private readonly RelayConnection[] _all;
    private static readonly TimeSpan IdleCheckAfter = TimeSpan.FromSeconds(30);

    /// <summary>A pool for one relay: <paramref name="options"/> are its connection settings (<see cref="RelaySettings.Connection"/>).</summary>
    public SmtpConnectionPool(SmtpOptions options, WorkerMetrics metrics, RelayGate gate, ILogger<SmtpConnectionPool> logger)
    {
        _options = options;
        _metrics = metrics;
        _gate = gate;
        _logger = logger;
        var endpoint = RelayEndpoint.From(_options);
        _all = Enumerable.Range(0, _options.PoolSize).Select(_ => new RelayConnection(endpoint)).ToArray();
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
    /// handler still waiting for a connection has claimed nothing); when it says false nothing is sent, the connection
    /// goes back as it was, and the report is null.
    /// </summary>
    public async Task<SendReport?> SendAsync(MimeMessage message, MailboxAddress sender, IReadOnlyList<MailboxAddress> recipients,
        TimeSpan deadline, CancellationToken cancellationToken, Func<Task<bool>>? beforeTransaction = null)
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
            if (beforeTransaction is not null && !await beforeTransaction())
                return null;
            // The relay's latency, for the gate's latency signal: from MAIL FROM on, not our own connect or ledger write.
            var transactionStarted = Stopwatch.GetTimestamp();
            var reply = await client.SendAsync(message, sender, recipients, attempt.Token);
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
            client.Abort();
            if (cancellationToken.IsCancellationRequested)
                throw new AttemptInterruptedException(client.BodyStarted, ex);
            throw new AttemptDeadlineExceededException(deadline, client.BodyStarted);
        }
        catch (Exception ex) when (ex is SmtpCommandRefusedException or NoRecipientsAcceptedException && client.IsConnected && !IsOutOfStep(ex))
        {
            // The connection has sent RSET and is still good for the next message.
            throw;
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or SmtpDialogueException or RelayClosingException
                                       or SmtpCommandRefusedException or NoRecipientsAcceptedException)
        {
            // The dialogue is in an unknown state: the next message starts on a fresh connection.
            client.Abort();
            throw ex is SmtpCommandRefusedException or NoRecipientsAcceptedException ? ex : new ConnectionLostException(ex, client.BodyStarted);
        }
        catch (Exception) when (client.IsConnected)
        {
            client.Abort();
            throw;
        }
        finally
        {
            _metrics.SmtpAttempt(_gate.Relay, started, replyClass);
            SmtpAttemptSpan.Ended(span, replyClass);
            await ReturnAsync(client);
        }
    }

    /// <summary>The gate lets at most as many senders in as there are clients, so one is always idle for a sender it let in.</summary>
    private RelayConnection Take()
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
    private async Task ReturnAsync(RelayConnection client)
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
    private static bool IsOutOfStep(Exception refusal) => refusal switch
    {
        SmtpCommandRefusedException refused => IsOutOfStep(refused.StatusCode),
        NoRecipientsAcceptedException none => none.Refusals.Any(r => IsOutOfStep(r.StatusCode)),
        _ => true,
    };

    private static bool IsOutOfStep(int statusCode) => statusCode is >= 500 and <= 504;
}
