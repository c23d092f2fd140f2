using System.Data.Common;
using EmailWorker.Delivery.Ledger;

namespace EmailWorker.DeadLetters.Store;

/// <summary>The delivered ledger's SQL: the same statements on SQLite and PostgreSQL.</summary>
internal abstract partial class SqlDeadLetterStore : ILedgerStore
{
    private const string LedgerColumns = "message_id, recipient, state, claimed_at, updated_at, reply";

    public async Task<IReadOnlyList<IReadOnlyList<LedgerEntry>>> WriteLedgerAsync(IReadOnlyList<LedgerWrite> writes, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var at = now.ToUnixTimeMilliseconds();
        var found = new List<IReadOnlyList<LedgerEntry>>(writes.Count);
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (Dialect.DurableCommit is { } durable)
            await connection.ExecuteAsync(durable, transaction, cancellationToken);
        foreach (var write in writes)
        {
            found.Add(write.Claim.Count == 0 ? [] : await ClaimAsync(connection, transaction, write, at, cancellationToken));
            if (write.Delivered.Count > 0)
                await RecordDeliveredAsync(connection, transaction, write, at, cancellationToken);
            if (write.Release.Count > 0)
                await ReleaseAsync(connection, transaction, write, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return found;
    }

    /// <summary>
    /// Inserts <c>sending</c> rows where there are none, then reads the rows that were there. Insert first: on PostgreSQL a
    /// concurrent claim of the same row waits for the other transaction, so the read that follows sees what it committed.
    /// </summary>
    private static async Task<IReadOnlyList<LedgerEntry>> ClaimAsync(DbConnection connection, DbTransaction transaction, LedgerWrite write, long at,
        CancellationToken cancellationToken)
    {
        var inserted = new HashSet<string>(StringComparer.Ordinal);
        await using (var insert = connection.Command("", transaction))
        {
            insert.Add("@m", write.MessageId);
            insert.Add("@t", at);
            var rows = write.Claim.Select((_, i) => $"(@m, @r{i}, 0, @t, @t, NULL)");
            for (var i = 0; i < write.Claim.Count; i++)
                insert.Add($"@r{i}", write.Claim[i]);
            insert.CommandText = $"INSERT INTO delivery_ledger ({LedgerColumns}) VALUES {string.Join(", ", rows)} " +
                "ON CONFLICT (message_id, recipient) DO NOTHING RETURNING recipient";
            await using var reader = await insert.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                inserted.Add(reader.GetString(0));
        }
        var existing = write.Claim.Where(r => !inserted.Contains(r)).Distinct(StringComparer.Ordinal).ToList();
        if (existing.Count == 0)
            return [];
        var entries = new List<LedgerEntry>(existing.Count);
        await using (var select = connection.Command("", transaction))
        {
            select.Add("@m", write.MessageId);
            select.CommandText = $"SELECT {LedgerColumns} FROM delivery_ledger WHERE message_id = @m AND recipient IN ({select.AddList("r", existing)})";
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                entries.Add(ReadEntry(reader));
        }
        var now = DateTimeOffset.FromUnixTimeMilliseconds(at);
        foreach (var unseen in existing.Where(r => !entries.Exists(e => e.Recipient == r)))
            entries.Add(new LedgerEntry(write.MessageId, unseen, LedgerState.Sending, now, now, null));
        return entries;
    }

    private static async Task RecordDeliveredAsync(DbConnection connection, DbTransaction transaction, LedgerWrite write, long at,
        CancellationToken cancellationToken)
    {
        await using var upsert = connection.Command("", transaction);
        upsert.Add("@m", write.MessageId);
        upsert.Add("@t", at);
        upsert.Add("@reply", write.Reply);
        var rows = write.Delivered.Select((_, i) => $"(@m, @r{i}, 1, @t, @t, @reply)");
        for (var i = 0; i < write.Delivered.Count; i++)
            upsert.Add($"@r{i}", write.Delivered[i]);
        // A row claimed by this attempt keeps its claim time; one missing (its claim failed) is made delivered at once.
        upsert.CommandText = $"INSERT INTO delivery_ledger ({LedgerColumns}) VALUES {string.Join(", ", rows)} " +
            "ON CONFLICT (message_id, recipient) DO UPDATE SET state = 1, updated_at = excluded.updated_at, reply = excluded.reply";
        await upsert.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task ReleaseAsync(DbConnection connection, DbTransaction transaction, LedgerWrite write, CancellationToken cancellationToken)
    {
        await using var delete = connection.Command("", transaction);
        delete.Add("@m", write.MessageId);
        delete.CommandText = $"DELETE FROM delivery_ledger WHERE message_id = @m AND state = 0 AND recipient IN ({delete.AddList("r", write.Release)})";
        await delete.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<LedgerEntry>> ReadLedgerAsync(string messageId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var select = connection.Command($"SELECT {LedgerColumns} FROM delivery_ledger WHERE message_id = @m ORDER BY recipient");
        select.Add("@m", messageId);
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
