using Microsoft.Extensions.Hosting;

namespace EmailWorker.Delivery.Relays;

/// <summary>
/// Opens every relay's SMTP pool connections while the consumer starts, not on the first messages (which would otherwise wait
/// for connect + EHLO + TLS + AUTH). In the background: a relay that is down or slow delays neither start-up nor health.
/// Then, once a second, closes the connections that sat unused for <c>Smtp:IdleTimeout</c>
/// (<see cref="SmtpConnectionPool.CloseIdleAsync"/>).
/// </summary>
internal sealed class SmtpPoolOpener(RelayRegistry relays) : BackgroundService
{
    private static readonly TimeSpan IdleSweep = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.WhenAll(relays.All.Select(relay => relay.Pool.OpenAllAsync(stoppingToken)));
            using var sweep = new PeriodicTimer(IdleSweep);
            while (await sweep.WaitForNextTickAsync(stoppingToken))
                await Task.WhenAll(relays.All.Select(relay => relay.Pool.CloseIdleAsync()));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopped: nothing to open or close any more (the pools QUIT what is open when they are disposed).
        }
    }
}
