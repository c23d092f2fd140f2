using EmailWorker.Configuration;
using EmailWorker.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EmailWorker.Delivery;

/// <summary>
/// Marks one relay unusable for any message (unreachable, TLS, login, relaying denied, 421, the same protocol fault across
/// messages): messages go to the other relays their route allows, and consumption stops while every relay's breaker is
/// open (the relay registry). Opening is logged once, not once per message, naming the relay. While open, the relay is probed with a
/// real transaction start, and consumption resumes by itself after the first probe the relay accepts. The first probe
/// waits longer after each trip that follows the last one without a delivery between them (1 s, 2 s, 4 s … 60 s), so a
/// fault the probe cannot see (e.g. refused recipients) costs less and less instead of looping every second.
/// </summary>
/// <remarks>
/// <c>time</c> runs the pauses between probes (a test's clock fires them when it says); <c>relay</c> is the relay's name,
/// for the log; <c>othersUp</c> says whether another relay's breaker is closed (the log then says its messages go to the
/// others instead of that consumption pauses); none by default.
/// </remarks>
internal sealed class RelayCircuitBreaker(SmtpConnectionPool pool, IOptions<DeliveryOptions> delivery, TimeProvider time, ILogger logger,
    string relay = RelaySettings.DefaultName, Func<bool>? othersUp = null) : IAsyncDisposable
{
    private static readonly TimeSpan FirstPause = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxPause = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan MaxProbeInterval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(15);
    private readonly CancellationTokenSource _lifetime = new();
    private int _open;
    private int _tripsWithoutDelivery;
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
        var trips = Interlocked.Increment(ref _tripsWithoutDelivery);
        var pause = PauseAfter(trips);
        Log.BreakerOpened(logger, othersUp?.Invoke() == true ? "sending through the other relays" : "pausing consumption", relay, SafeText.Bound(reason), pause);
        _probing = Task.Run(() => ProbeUntilClosedAsync(pause, _lifetime.Token));
    }

    /// <summary>A message was delivered: the next trip starts again with the shortest pause.</summary>
    public void RecordDelivery() => Volatile.Write(ref _tripsWithoutDelivery, 0);

    /// <summary>The pause before the first probe after the <paramref name="trips"/>-th trip in a row: 1 s doubling to 60 s.</summary>
    public static TimeSpan PauseAfter(int trips) =>
        TimeSpan.FromTicks(Math.Min(FirstPause.Ticks << Math.Min(trips - 1, 16), MaxPause.Ticks));

    private async Task ProbeUntilClosedAsync(TimeSpan pause, CancellationToken cancellationToken)
    {
        var openedAt = time.GetUtcNow();
        try
        {
            await RaiseAsync(Opened);
            var delay = pause;
            while (true)
            {
                await Task.Delay(delay, time, cancellationToken);
                if (await ProbeAsync(cancellationToken))
                    break;
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, Math.Max(pause.Ticks, MaxProbeInterval.Ticks)));
            }
            Volatile.Write(ref _open, 0);
            Log.BreakerClosed(logger, time.GetUtcNow() - openedAt, relay);
            // A trip right after this opens the breaker again; the consumer checks IsOpen before it resumes.
            await RaiseAsync(Closed);
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down while the relay is away: nothing to resume. Whatever a probe in flight met then (a TLS refusal
            // as the token fired, not only a cancellation) ends here: thrown out of DisposeAsync it failed the shutdown.
        }
    }

    private async Task<bool> ProbeAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ProbeTimeout);
        try
        {
            await pool.ProbeAsync(delivery.Value.DefaultSender()?.Address, timeout.Token);
            return true;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Log.ProbeFailed(logger, relay, ex.Message);
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
        catch (Exception ex) when (!_lifetime.IsCancellationRequested)
        {
            // Only shutting down ends the probing. A broker RPC that timed out surfaces as TaskCanceledException (an
            // OperationCanceledException nobody asked for): letting it through would end the probe loop with the breaker
            // open for good.
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
