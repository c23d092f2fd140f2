using System.Globalization;
using EmailWorker.DeadLetters.Views;
using EmailWorker.Diagnostics;

namespace EmailWorker.Cli.DeadLetters;

/// <summary>
/// What the delivered ledger holds for a letter's message, under <c>dlq show</c>: who has the mail (a 250 recorded, with
/// the reply) and who is in doubt (claimed, no reply recorded: a replay sends again or skips them by <c>Delivery:InDoubt</c>).
/// </summary>
internal static class LedgerRows
{
    public static void Write(IReadOnlyList<LedgerRow> rows, TextWriter output)
    {
        if (rows.Count == 0)
            return;
        output.WriteLine("delivered ledger:");
        var table = new TextTable("RECIPIENT", "STATE", "SINCE", "REPLY");
        foreach (var row in rows)
        {
            table.Add(SafeText.Bound(row.Recipient, 320), row.State == LedgerRow.Delivered ? "delivered" : "in doubt",
                row.Since.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), SafeText.Bound(row.Reply ?? "", 300));
        }
        table.WriteTo(output);
        output.WriteLine();
    }
}
