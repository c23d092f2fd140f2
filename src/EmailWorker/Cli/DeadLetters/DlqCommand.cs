using System.CommandLine;

namespace EmailWorker.Cli.DeadLetters;

/// <summary><c>emailworker dlq …</c>: the operator's view of the dead letters, on the dead-letter store.</summary>
internal static class DlqCommand
{
    public static Command Create() => new("dlq", "List, inspect, group, replay, edit, purge and export dead letters; follow replay jobs.")
    {
        DlqListCommand.Create(),
        DlqShowCommand.Create(),
        DlqGroupsCommand.Create(),
        DlqReplayCommand.Create(),
        DlqEditCommand.Create(),
        DlqPurgeCommand.Create(),
        DlqJobsCommand.Create(),
        DlqExportCommand.Create(),
    };
}
