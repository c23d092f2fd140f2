using System.Data.Common;
using EmailWorker.Delivery.Ledger;

namespace EmailWorker.DeadLetters.Store;

/// <summary>The delivered ledger's SQL: the same statements on SQLite and PostgreSQL.</summary>
internal abstract partial class SqlDeadLetterStore : ILedgerStore
{
    private const string LedgerColumns = "message_id, recipient, state, claimed_at, updated_at, reply";

    private LedgerConnection? _ledger;

    /// <summary>The ledger's own connection (<see cref="LedgerConnection"/>); by default one from the pool, held.</summary>
    protected virtual ValueTask<DbConnection> OpenLedgerConnectionAsync(CancellationToken cancellationToken) => OpenConnectionAsync(cancellationToken);

    private LedgerConnection Ledger => LazyInitializer.EnsureInitialized(ref _ledger, () => new LedgerConnection(OpenLedgerConnectionAsync, Dialect.LedgerSession));

    private async ValueTask DisposeLedgerConnectionAsync()
    {
        if (_ledger is not null)
            await _ledger.DisposeAsync();
    }

    public Task<IReadOnlyList<IReadOnlyList<LedgerEntry>>> WriteLedgerAsync(IReadOnlyList<LedgerWrite> writes, DateTimeOffset now,
        CancellationToken cancellationToken) => Ledger.InTransactionAsync<IReadOnlyList<IReadOnlyList<LedgerEntry>>>(async transaction =>
    {
        var at = now.ToUnixTimeMilliseconds();
        var found = new List<IReadOnlyList<LedgerEntry>>(writes.Count);
        foreach (var write in writes)
        {
            found.Add(write.Claim.Count == 0 ? [] : await ClaimAsync(transaction, write, at, cancellationToken));
            if (write.Delivered.Count > 0)
                await RecordDeliveredAsync(transaction, write, at, cancellationToken);
            if (write.Release.Count > 0)
                await ReleaseAsync(transaction, write, cancellationToken);
        }
        return found;
    }, cancellationToken);

    /// <summary>
    /// Inserts <c>sending</c> rows where there are none, then reads the rows that were there. Insert first: on PostgreSQL a
    /// concurrent claim of the same row waits for the other transaction, so the read that follows sees what it committed.
    /// </summary>
    private async Task<IReadOnlyList<LedgerEntry>> ClaimAsync(DbTransaction transaction, LedgerWrite write, long at, CancellationToken cancellationToken)
    {
        var inserted = new HashSet<string>(StringComparer.Ordinal);
        var insert = Ledger.Command($"INSERT INTO delivery_ledger ({LedgerColumns}) VALUES " +
            string.Join(", ", write.Claim.Select((_, i) => $"(@m, @r{i}, 0, @t, @t, NULL)")) +
            " ON CONFLICT (message_id, recipient) DO NOTHING RETURNING recipient", transaction);
        insert.Set("@m", write.MessageId);
        insert.Set("@t", at);
        insert.SetList("r", write.Claim);
        await using (var reader = await insert.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
                inserted.Add(reader.GetString(0));
        }
        var existing = write.Claim.Where(r => !inserted.Contains(r)).Distinct(StringComparer.Ordinal).ToList();
        if (existing.Count == 0)
            return [];
        var entries = new List<LedgerEntry>(existing.Count);
        var select = Ledger.Command($"SELECT {LedgerColumns} FROM delivery_ledger WHERE message_id = @m AND recipient IN ({DbCommandExtensions.List("r", existing.Count)})",
            transaction);
        select.Set("@m", write.MessageId);
        select.SetList("r", existing);
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
                entries.Add(ReadEntry(reader));
        }
        var now = DateTimeOffset.FromUnixTimeMilliseconds(at);
        foreach (var unseen in existing.Where(r => !entries.Exists(e => e.Recipient == r)))
            entries.Add(new LedgerEntry(write.MessageId, unseen, LedgerState.Sending, now, now, null));
        return entries;
    }

    private async Task RecordDeliveredAsync(DbTransaction transaction, LedgerWrite write, long at, CancellationToken cancellationToken)
    {
        // A row claimed by this attempt keeps its claim time; one missing (its claim failed) is made delivered at once.
        var upsert = Ledger.Command($"INSERT INTO delivery_ledger ({LedgerColumns}) VALUES " +
            string.Join(", ", write.Delivered.Select((_, i) => $"(@m, @r{i}, 1, @t, @t, @reply)")) +
            " ON CONFLICT (message_id, recipient) DO UPDATE SET state = 1, updated_at = excluded.updated_at, reply = excluded.reply", transaction);
        upsert.Set("@m", write.MessageId);
        upsert.Set("@t", at);
        upsert.Set("@reply", write.Reply);
        upsert.SetList("r", write.Delivered);
        await upsert.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task ReleaseAsync(DbTransaction transaction, LedgerWrite write, CancellationToken cancellationToken)
    {
        var delete = Ledger.Command($"DELETE FROM delivery_ledger WHERE message_id = @m AND state = 0 AND recipient IN ({DbCommandExtensions.List("r", write.Release.Count)})",
            transaction);
        delete.Set("@m", write.MessageId);
        delete.SetList("r", write.Release);
        await delete.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<LedgerEntry>> ReadLedgerAsync(string messageId, CancellationToken cancellationToken)
    {
        const string Select = $"SELECT {LedgerColumns} FROM delivery_ledger WHERE message_id = @m ORDER BY recipient";
        if (Dialect.LedgerLooksUpOnItsConnection)
            return await Ledger.ReadAsync(() => ReadEntriesAsync(Ledger.Command(Select), messageId, cancellationToken), cancellationToken);
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var select = connection.Command(Select);
        return await ReadEntriesAsync(select, messageId, cancellationToken);
    }

    private static async Task<IReadOnlyList<LedgerEntry>> ReadEntriesAsync(DbCommand select, string messageId, CancellationToken cancellationToken)
    {
        select.Set("@m", messageId);
        var entries = new List<LedgerEntry>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            entries.Add(ReadEntry(reader));
        return entries;
    }

    public async Task<int> DeleteLedgerAsync(DateTimeOffset olderThan, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var delete = connection.Command("DELETE FROM delivery_ledger WHERE updated_at < @cutoff");
        delete.Add("@cutoff", olderThan.ToUnixTimeMilliseconds());
        return await delete.ExecuteNonQueryAsync(cancellationToken);
    }

    private static LedgerEntry ReadEntry(DbDataReader reader) => new(reader.GetString(0), reader.GetString(1),
        (LedgerState)Convert.ToInt32(reader.GetValue(2), System.Globalization.CultureInfo.InvariantCulture),
        reader.Time(3), reader.Time(4), reader.NullableString(5));
}
