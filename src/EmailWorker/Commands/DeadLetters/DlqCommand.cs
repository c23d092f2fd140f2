using System.CommandLine;

namespace EmailWorker.Commands.DeadLetters;

/// <summary><c>emailworker dlq …</c>: the operator's view of the dead-letter queue.</summary>
internal static class DlqCommand
{
    public static Command Create() => new("dlq", "List, inspect, replay and purge dead letters.")
    {
        DlqListCommand.Create(),
        DlqShowCommand.Create(),
        DlqReplayCommand.Create(),
        DlqPurgeCommand.Create(),
    };
}
