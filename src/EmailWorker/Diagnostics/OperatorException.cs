namespace EmailWorker.Diagnostics;

/// <summary>An operator command cannot go on; the message is one line for the terminal, the code the process exit code.</summary>
internal sealed class OperatorException(string message, int exitCode = ExitCodes.Failure) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
