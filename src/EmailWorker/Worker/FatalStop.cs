using Microsoft.Extensions.Hosting;


namespace EmailWorker.Worker;

/// <summary>
/// Stops the worker when it can no longer do its job and waiting will not fix it (e.g. the broker closed the consumer
/// channel), so the process exits non-zero and its supervisor restarts it, instead of idling while it looks alive.
/// </summary>
internal sealed class FatalStop(IHostApplicationLifetime lifetime)
{
    public string? Reason { get; private set; }

    public void Request(string reason)
    {
        Reason ??= reason;
        lifetime.StopApplication();
    }
}
