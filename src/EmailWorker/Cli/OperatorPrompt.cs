using EmailWorker.Diagnostics;

namespace EmailWorker.Cli;

/// <summary>Asks the operator before a command changes queues, unless <c>--yes</c> said so already.</summary>
internal static class OperatorPrompt
{
    public static void Confirm(string question, bool yes)
    {
        if (yes)
            return;
        if (Console.IsInputRedirected)
            throw new OperatorException($"{question} — no terminal to ask: pass --yes to go ahead", ExitCodes.Usage);
        Console.Error.Write($"{question} [y/N] ");
        var answer = Console.ReadLine()?.Trim();
        if (!string.Equals(answer, "y", StringComparison.OrdinalIgnoreCase) && !string.Equals(answer, "yes", StringComparison.OrdinalIgnoreCase))
            throw new OperatorException("cancelled: nothing was changed", ExitCodes.Failure);
    }
}
