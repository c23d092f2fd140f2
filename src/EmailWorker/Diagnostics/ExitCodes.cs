namespace EmailWorker.Diagnostics;

/// <summary>Process exit codes shared by every subcommand.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>Operational failure: broker unreachable or refusing, topology mismatch, unknown messageId.</summary>
    public const int Failure = 1;

    /// <summary>Usage or configuration error: fix the command line or the configuration.</summary>
    public const int Usage = 2;
}
