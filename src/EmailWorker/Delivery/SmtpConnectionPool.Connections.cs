using EmailWorker.Smtp;
using EmailWorker.Diagnostics;

namespace EmailWorker.Delivery;

/// <summary>Opening the pool's connections (at start-up, before a send, for the breaker's probe) and closing them.</summary>
internal sealed partial class SmtpConnectionPool
{
    /// <summary>
    /// Opens the connections the relay's limit allows now (greeting, EHLO, TLS, AUTH) at once, so the first messages after a start do not wait for it.
    /// A relay that is down is no failure here: the connection stays closed, and the first message that takes it opens it
    /// (or trips the breaker) as it would have without this; one warning names how many could not be opened and why.
    /// </summary>
    public async Task OpenAllAsync(CancellationToken cancellationToken)
    {
        // The start's count, not the ceiling: the controller opens more as they pay.
        var failures = await Task.WhenAll(Enumerable.Range(0, _gate.ConnectionLimit).Select(_ => OpenOneAsync(cancellationToken)));
        if (failures.FirstOrDefault(f => f is not null) is { } first)
        {
            Log.SmtpPoolNotOpened(_logger, failures.Count(f => f is not null), failures.Length, _options.Host, _options.Port, _gate.Relay,
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
            client.Abort();
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
            client.Abort();
            throw;
        }
        finally
        {
            await ReturnAsync(client);
        }
    }

    /// <summary>
    /// Closes (QUIT) the open connections nobody used for <c>Smtp:IdleTimeout</c>, each under a gate slot
    /// taken only when free: a sender never waits for this. Several workers share a relay's connection limit, and without
    /// it a worker that fell idle kept its connections for good while another, refused at the greeting, could not open any
    /// (the cluster test's throttling run: one of three workers delivered nothing).
    /// </summary>
    public async Task CloseIdleAsync()
    {
        var cutoff = DateTimeOffset.UtcNow - _options.IdleTimeoutValue;
        var closed = 0;
        while (_gate.TryAcquire())
        {
            RelayConnection? stale;
            lock (_idleLock)
            {
                var index = _idle.FindIndex(client => client.IsConnected && client.LastUsed < cutoff);
                stale = index < 0 ? null : _idle[index];
                if (stale is not null)
                    _idle.RemoveAt(index);
            }
            if (stale is null)
            {
                _gate.Release();
                break;
            }
            await QuitQuietlyAsync(stale);
            closed++;
            lock (_idleLock)
                _idle.Add(stale);
            _gate.Release();
        }
        if (closed > 0)
            Log.SmtpIdleClosed(_logger, closed, _options.Host, _options.Port, _gate.Relay, _options.IdleTimeoutValue);
    }

    private async Task EnsureConnectedAsync(RelayConnection client, CancellationToken cancellationToken)
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
                client.Abort();
            }
        }
        if (client.IsConnected)
            return;
        // After a refused connection the relay holds what it allows us: the next opening waits for the gate's hold.
        if (_gate.ConnectWait() is var wait && wait > TimeSpan.Zero)
            await Task.Delay(wait, cancellationToken);
        try
        {
            await client.ConnectAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Refused connection, greeting 421/554, TLS or login failure: the relay's or the configuration's fault.
            client.Abort();
            throw new RelayUnavailableException(ex);
        }
        client.LastUsed = DateTimeOffset.UtcNow;
        _gate.Connected();
        Log.SmtpConnected(_logger, _options.Host, _options.Port, _gate.Relay);
    }

    private static async Task QuitQuietlyAsync(RelayConnection client)
    {
        if (!client.IsConnected)
            return;
        try
        {
            using var quitTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await client.QuitAsync(quitTimeout.Token);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or SmtpDialogueException or RelayClosingException
                                       or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            // Closed either way: a relay that does not answer QUIT does not matter any more.
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
