namespace EmailWorker.Configuration;

/// <summary>Section <c>Hosting</c>: how the worker process stops.</summary>
internal sealed class HostingOptions
{
    public const string Section = "Hosting";

    /// <summary>
    /// How long in-flight messages get to finish after SIGTERM before their sends are cancelled and they are requeued.
    /// A supervisor's kill timeout (systemd <c>TimeoutStopSec</c>, Kubernetes <c>terminationGracePeriodSeconds</c>) must be longer.
    /// </summary>
    public string ShutdownTimeout { get; set; } = "30s";

    public TimeSpan ShutdownTimeoutValue => Duration.TryParse(ShutdownTimeout, out var value) ? value : TimeSpan.FromSeconds(30);
}
