using EmailWorker.Delivery.Ledger;

namespace EmailWorker.DeadLetters.Views;

/// <summary>
/// One recipient of a letter's message as the delivered ledger holds it, for <c>dlq show</c> and the letter page:
/// <c>delivered</c> (a 250 recorded, since when, with the relay's reply) or <c>in_doubt</c> (claimed and never recorded:
/// a replay sends again or skips it by <c>Delivery:InDoubt</c>, since its claim).
/// </summary>
internal sealed record LedgerRow(string Recipient, string State, DateTimeOffset Since, string? Reply)
{
    public const string Delivered = "delivered";
    public const string InDoubt = "in_doubt";

    public static LedgerRow Of(LedgerEntry entry) => entry.State == LedgerState.Delivered
        ? new LedgerRow(entry.Recipient, Delivered, entry.UpdatedAt, entry.Reply)
        : new LedgerRow(entry.Recipient, InDoubt, entry.ClaimedAt, entry.Reply);

    /// <summary>The rows for a message, none when the store keeps no ledger.</summary>
    public static async Task<IReadOnlyList<LedgerRow>> ReadAsync(object store, string messageId, CancellationToken cancellationToken) =>
        store is ILedgerStore ledger ? [.. (await ledger.ReadLedgerAsync(messageId, cancellationToken)).Select(Of)] : [];
}
