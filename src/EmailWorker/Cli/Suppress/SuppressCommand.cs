using System.CommandLine;

namespace EmailWorker.Cli.Suppress;

/// <summary><c>emailworker suppress …</c>: the suppression list, in the dead-letter store's database.</summary>
internal static class SuppressCommand
{
    public static Command Create() => new("suppress", "List, add, remove, import and export entries of the suppression list (addresses and *@domain not sent to).")
    {
        SuppressListCommand.Create(),
        SuppressAddCommand.Create(),
        SuppressRemoveCommand.Create(),
        SuppressImportCommand.Create(),
        SuppressExportCommand.Create(),
    };
}
