using Microsoft.Extensions.Hosting;

namespace EmailWorker.Diagnostics;

/// <summary>
/// Stops the worker when it can no longer do its job and waiting will not fix it (e.g. the broker closed the consumer
/// channel), so the process exits non-zero and its supervisor restarts it, instead of idling while it looks alive. A stop
/// for a configuration that cannot work exits 2 instead, which supervisors are told not to restart.
/// </summary>
internal sealed class FatalStop(IHostApplicationLifetime lifetime)
{
    public string? Reason { get; private set; }

    /// <summary>The exit code of the first request: <see cref="ExitCodes.Failure"/>, or <see cref="ExitCodes.Usage"/> for a configuration error.</summary>
    public int ExitCode { get; private set; } = ExitCodes.Failure;

    public void Request(string reason) => Stop(reason, ExitCodes.Failure);

    /// <summary>The configuration is wrong for where the worker runs (restarting cannot fix it): exit 2.</summary>
    public void RequestForConfiguration(string reason) => Stop(reason, ExitCodes.Usage);

    private void Stop(string reason, int exitCode)
    {
        lock (lifetime)
        {
            if (Reason is null)
            {
                Reason = reason;
                ExitCode = exitCode;
            }
        }
        lifetime.StopApplication();
    }
}
