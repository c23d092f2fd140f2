using System.Globalization;
using EmailWorker.Delivery.Ledger;
using EmailWorker.Diagnostics;

namespace EmailWorker.Cli.DeadLetters;

/// <summary>
/// What the delivered ledger holds for a letter's message, under <c>dlq show</c>: who has the mail (a 250 recorded, with
/// the reply) and who is in doubt (claimed, no reply recorded: a replay sends again or skips them by <c>Delivery:InDoubt</c>).
/// </summary>
internal static class LedgerRows
{
    public static void Write(IReadOnlyList<LedgerEntry> entries, TextWriter output)
    {
        if (entries.Count == 0)
            return;
        output.WriteLine("delivered ledger:");
        var table = new TextTable("RECIPIENT", "STATE", "SINCE", "REPLY");
        foreach (var entry in entries)
        {
            var (state, since) = entry.State == LedgerState.Delivered ? ("delivered", entry.UpdatedAt) : ("in doubt", entry.ClaimedAt);
            table.Add(SafeText.Bound(entry.Recipient, 320), state, since.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                SafeText.Bound(entry.Reply ?? "", 300));
        }
        table.WriteTo(output);
        output.WriteLine();
    }
}
