using System.CommandLine;

namespace EmailWorker.Cli.Scheduled;

/// <summary><c>emailworker scheduled …</c>: messages held until their <c>sendAt</c>, in the dead-letter store's database.</summary>
internal static class ScheduledCommand
{
    public static Command Create() => new("scheduled", "List the messages held until their sendAt, and cancel one by its messageId.")
    {
        ScheduledListCommand.Create(),
        ScheduledCancelCommand.Create(),
    };
}
