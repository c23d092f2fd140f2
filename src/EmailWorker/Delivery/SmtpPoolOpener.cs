using Microsoft.Extensions.Hosting;

namespace EmailWorker.Delivery;

/// <summary>
/// Opens the SMTP pool's connections while the consumer starts, not on the first messages (which would otherwise wait
/// for connect + EHLO + TLS + AUTH). In the background: a relay that is down or slow delays neither start-up nor health.
/// </summary>
internal sealed class SmtpPoolOpener(SmtpConnectionPool pool) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await pool.OpenAllAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopped before the relay answered: nothing to open any more.
        }
    }
}
