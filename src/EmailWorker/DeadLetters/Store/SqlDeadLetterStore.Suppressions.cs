using System.Data.Common;
using EmailWorker.Delivery.Suppression;

namespace EmailWorker.DeadLetters.Store;

/// <summary>The suppression list's SQL: the same statements on SQLite and PostgreSQL.</summary>
internal abstract partial class SqlDeadLetterStore : ISuppressionStore
{
    private const string SuppressionColumns = "address, scope, reason, source_message_id, created_at, created_by";

    /// <summary>
    /// Whether the worker's look-ups (<see cref="FindSuppressionsAsync"/>, one per message) run on the delivered ledger's
    /// held connection rather than a pooled one. On SQLite they do: every ledger commit makes the page cache of every
    /// other connection to the file stale, so a look-up on a pooled one re-read its pages, besides opening the connection
    /// and compiling its statement each time — 0.20 ms of the worker's CPU per message with the ledger on, 0.10 with it off
    /// (docs/performance.md). On PostgreSQL the held connection waits for each group commit's WAL flush; the pool does not.
    /// </summary>
    protected virtual bool FindsSuppressionsOnLedgerConnection => false;

    public async Task<SuppressionLookup> FindSuppressionsAsync(IReadOnlyCollection<string> keys, IReadOnlyCollection<string> scopes,
        bool withSoftFailures, CancellationToken cancellationToken)
    {
        if (keys.Count == 0 || scopes.Count == 0)
            return SuppressionLookup.Empty;
        var keyList = DbCommandExtensions.List("k", keys.Count);
        var sql = $"SELECT 0, {SuppressionColumns} FROM suppressions WHERE address IN ({keyList}) " +
            $"AND scope IN ({DbCommandExtensions.List("s", scopes.Count)})";
        // The same round trip tells which recipients have a soft-failure count: one more probe per key of a table that
        // holds only the addresses failing now (a *@domain key finds none).
        if (withSoftFailures)
            sql += $" UNION ALL SELECT 1, address, '', '', NULL, 0, '' FROM suppression_soft_failures WHERE address IN ({keyList})";
        if (FindsSuppressionsOnLedgerConnection)
        {
            return await Ledger.ReadAsync(() =>
            {
                var kept = Ledger.Command(sql);
                kept.SetList("k", [.. keys]);
                kept.SetList("s", [.. scopes]);
                return ReadLookupAsync(kept, cancellationToken);
            }, cancellationToken);
        }
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var select = connection.Command(sql);
        select.SetList("k", [.. keys]);
        select.SetList("s", [.. scopes]);
        return await ReadLookupAsync(select, cancellationToken);
    }

    public async Task<IReadOnlyList<string>> CountSoftFailuresAsync(IReadOnlyCollection<string> addresses, string messageId, SoftFailureCount count,
        string actor, CancellationToken cancellationToken)
    {
        if (addresses.Count == 0)
            return [];
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var generation = await NextGenerationAsync(connection, transaction, cancellationToken);
        // One statement counts, atomically against other workers sharing the database: a run older than the window
        // starts again at 1.
        await using var upsert = connection.Command(
            "INSERT INTO suppression_soft_failures (address, failures, first_failed_at, last_failed_at, generation) VALUES (@a, 1, @now, @now, @g) " +
            "ON CONFLICT (address) DO UPDATE SET " +
            "failures = CASE WHEN suppression_soft_failures.first_failed_at < @start THEN 1 ELSE suppression_soft_failures.failures + 1 END, " +
            "first_failed_at = CASE WHEN suppression_soft_failures.first_failed_at < @start THEN @now ELSE suppression_soft_failures.first_failed_at END, " +
            "last_failed_at = @now RETURNING failures", transaction);
        await using var insert = connection.Command($"INSERT INTO suppressions ({SuppressionColumns}, generation) VALUES (@a, @s, @r, @m, @now, @by, @g) " +
            "ON CONFLICT (address, scope) DO NOTHING", transaction);
        upsert.Add("@g", generation);
        insert.Add("@g", generation);
        await using var delete = connection.Command("DELETE FROM suppression_soft_failures WHERE address = @a", transaction);
        var now = count.Now.ToUnixTimeMilliseconds();
        var added = new List<string>();
        foreach (var address in addresses)
        {
            upsert.Set("@a", address);
            upsert.Set("@now", now);
            upsert.Set("@start", count.WindowStart.ToUnixTimeMilliseconds());
            var failures = Convert.ToInt64(await upsert.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
            if (failures < count.Threshold)
                continue;
            insert.Set("@a", address);
            insert.Set("@s", SuppressionReasons.Global);
            insert.Set("@r", SuppressionReasons.SoftBounce);
            insert.Set("@m", messageId);
            insert.Set("@now", now);
            insert.Set("@by", actor);
            if (await insert.ExecuteNonQueryAsync(cancellationToken) > 0)
                added.Add(address);
            // Counted out: the entry holds the address now (or one held it already).
            delete.Set("@a", address);
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return added;
    }

    public async Task<long> ReadKeysSinceAsync(long generation, Action<string> key, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var select = connection.Command("SELECT address, generation FROM suppressions WHERE generation > @g " +
            "UNION ALL SELECT address, generation FROM suppression_soft_failures WHERE generation > @g");
        select.Add("@g", generation);
        var last = generation;
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            key(reader.GetString(0));
            last = Math.Max(last, reader.GetInt64(1));
        }
        return last;
    }

    public async Task<long> CountKeysAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var count = connection.Command("SELECT (SELECT COUNT(*) FROM suppressions) + (SELECT COUNT(*) FROM suppression_soft_failures)");
        return Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Bumps the list's change counter: the transaction's first statement, so it holds the lock to its commit (see StoreSchema).</summary>
    private static async Task<long> NextGenerationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await using var bump = connection.Command("UPDATE suppression_generation SET value = value + 1 WHERE id = 1 RETURNING value", transaction);
        return Convert.ToInt64(await bump.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task ClearSoftFailuresAsync(IReadOnlyCollection<string> addresses, CancellationToken cancellationToken)
    {
        if (addresses.Count == 0)
            return;
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var delete = connection.Command("");
        delete.CommandText = $"DELETE FROM suppression_soft_failures WHERE address IN ({delete.AddList("a", addresses)})";
        await delete.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<int> DeleteSoftFailuresAsync(DateTimeOffset windowStart, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var delete = connection.Command("DELETE FROM suppression_soft_failures WHERE first_failed_at < @start");
        delete.Add("@start", windowStart.ToUnixTimeMilliseconds());
        return await delete.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<int> AddSuppressionsAsync(IReadOnlyCollection<SuppressionEntry> entries, CancellationToken cancellationToken)
    {
        if (entries.Count == 0)
            return 0;
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var generation = await NextGenerationAsync(connection, transaction, cancellationToken);
        var added = 0;
        // One command for the batch, its parameters set per entry: an import adds a thousand a transaction.
        await using var insert = connection.Command($"INSERT INTO suppressions ({SuppressionColumns}, generation) VALUES (@k, @s, @r, @m, @t, @by, @g) " +
            "ON CONFLICT (address, scope) DO NOTHING", transaction);
        insert.Add("@g", generation);
        foreach (var entry in entries)
        {
            insert.Set("@k", entry.Key);
            insert.Set("@s", entry.Scope);
            insert.Set("@r", entry.Reason);
            insert.Set("@m", entry.SourceMessageId);
            insert.Set("@t", entry.CreatedAt.ToUnixTimeMilliseconds());
            insert.Set("@by", entry.CreatedBy);
            added += await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return added;
    }

    public async Task<bool> RemoveSuppressionAsync(string key, string scope, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var delete = connection.Command("DELETE FROM suppressions WHERE address = @k AND scope = @s");
        delete.Add("@k", key);
        delete.Add("@s", scope);
        return await delete.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public async Task<IReadOnlyList<SuppressionEntry>> ListSuppressionsAsync(string? prefix, string? afterKey, string? afterScope, int limit,
        CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var select = connection.Command("");
        var conditions = new List<string>();
        if (!string.IsNullOrEmpty(prefix))
        {
            // The lower bound starts the walk of the key's index at the prefix; substr, not LIKE, so that % and _ are plain
            // characters and the test is exact whatever the database's collation.
            conditions.Add("address >= @p AND substr(address, 1, @n) = @p");
            select.Add("@p", prefix);
            select.Add("@n", prefix.Length);
        }
        if (afterKey is not null)
        {
            conditions.Add("(address > @k OR (address = @k AND scope > @s))");
            select.Add("@k", afterKey);
            select.Add("@s", afterScope ?? "");
        }
        select.Add("@limit", limit);
        var where = conditions.Count == 0 ? "" : $"WHERE {string.Join(" AND ", conditions)} ";
        select.CommandText = $"SELECT {SuppressionColumns} FROM suppressions {where}ORDER BY address, scope LIMIT @limit";
        return await ReadSuppressionsAsync(select, cancellationToken);
    }

    private static async Task<IReadOnlyList<SuppressionEntry>> ReadSuppressionsAsync(DbCommand select, CancellationToken cancellationToken)
    {
        var entries = new List<SuppressionEntry>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            entries.Add(ReadEntry(reader, 0));
        return entries;
    }

    /// <summary>Rows of <see cref="FindSuppressionsAsync"/>: a kind (0 an entry, 1 a soft-failure count) and an entry's columns.</summary>
    private static async Task<SuppressionLookup> ReadLookupAsync(DbCommand select, CancellationToken cancellationToken)
    {
        List<SuppressionEntry>? entries = null;
        List<string>? softFailing = null;
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (reader.GetInt32(0) == 0)
                (entries ??= []).Add(ReadEntry(reader, 1));
            else
                (softFailing ??= []).Add(reader.GetString(1));
        }
        return entries is null && softFailing is null ? SuppressionLookup.Empty : new SuppressionLookup(entries ?? [], softFailing ?? []);
    }

    private static SuppressionEntry ReadEntry(DbDataReader reader, int first) =>
        new(reader.GetString(first), reader.GetString(first + 1), reader.GetString(first + 2), reader.NullableString(first + 3),
            reader.Time(first + 4), reader.GetString(first + 5));
}
