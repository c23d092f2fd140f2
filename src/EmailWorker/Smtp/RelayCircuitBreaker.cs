using Microsoft.Extensions.Logging;

namespace EmailWorker.Smtp;

/// <summary>
/// Stops consumption while the relay is unusable (system faults: unreachable, TLS, login, sender refused, 421). Opening is
/// logged once, not once per message; while open, the relay is probed with growing pauses, and consumption resumes by
/// itself after the first probe the relay answers.
/// </summary>
internal sealed class RelayCircuitBreaker(SmtpConnectionPool pool, ILogger<RelayCircuitBreaker> logger) : IAsyncDisposable
{
    private static readonly TimeSpan FirstProbeDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxProbeDelay = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(15);
    private readonly CancellationTokenSource _lifetime = new();
    private int _open;
    private Task _probing = Task.CompletedTask;

    /// <summary>Raised once when the breaker opens: stop taking messages.</summary>
    public event Func<Task>? Opened;

    /// <summary>Raised once when a probe succeeded: take messages again.</summary>
    public event Func<Task>? Closed;

    public bool IsOpen => Volatile.Read(ref _open) == 1;

    public void Trip(string reason)
    {
        if (Interlocked.CompareExchange(ref _open, 1, 0) != 0)
            return;
        Log.BreakerOpened(logger, reason);
        _probing = Task.Run(() => ProbeUntilClosedAsync(_lifetime.Token));
    }

    private async Task ProbeUntilClosedAsync(CancellationToken cancellationToken)
    {
        var openedAt = DateTimeOffset.UtcNow;
        try
        {
            await RaiseAsync(Opened);
            var delay = FirstProbeDelay;
            while (true)
            {
                await Task.Delay(delay, cancellationToken);
                if (await ProbeAsync(cancellationToken))
                    break;
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxProbeDelay.Ticks));
            }
            Volatile.Write(ref _open, 0);
            Log.BreakerClosed(logger, DateTimeOffset.UtcNow - openedAt);
            // A trip right after this opens the breaker again; the consumer checks IsOpen before it resumes.
            await RaiseAsync(Closed);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down while the relay is away: nothing to resume.
        }
    }

    private async Task<bool> ProbeAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ProbeTimeout);
        try
        {
            await pool.ProbeAsync(timeout.Token);
            return true;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Log.ProbeFailed(logger, ex.Message);
            return false;
        }
    }

    private async Task RaiseAsync(Func<Task>? handlers)
    {
        if (handlers is null)
            return;
        try
        {
            await handlers();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.BreakerHandlerFailed(logger, ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _lifetime.CancelAsync();
        await _probing;
        _lifetime.Dispose();
    }
}
