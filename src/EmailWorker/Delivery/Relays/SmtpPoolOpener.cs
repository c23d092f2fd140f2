using Microsoft.Extensions.Hosting;

namespace EmailWorker.Delivery.Relays;

/// <summary>
/// Opens every relay's SMTP pool connections while the consumer starts, not on the first messages (which would otherwise wait
/// for connect + EHLO + TLS + AUTH). In the background: a relay that is down or slow delays neither start-up nor health.
/// </summary>
internal sealed class SmtpPoolOpener(RelayRegistry relays) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.WhenAll(relays.All.Select(relay => relay.Pool.OpenAllAsync(stoppingToken)));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopped before the relay answered: nothing to open any more.
        }
    }
}
