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

    public async Task<IReadOnlyList<SuppressionEntry>> FindSuppressionsAsync(IReadOnlyCollection<string> keys, IReadOnlyCollection<string> scopes,
        CancellationToken cancellationToken)
    {
        if (keys.Count == 0 || scopes.Count == 0)
            return [];
        var sql = $"SELECT {SuppressionColumns} FROM suppressions WHERE address IN ({DbCommandExtensions.List("k", keys.Count)}) " +
            $"AND scope IN ({DbCommandExtensions.List("s", scopes.Count)})";
        if (FindsSuppressionsOnLedgerConnection)
        {
            return await Ledger.ReadAsync(() =>
            {
                var kept = Ledger.Command(sql);
                kept.SetList("k", [.. keys]);
                kept.SetList("s", [.. scopes]);
                return ReadSuppressionsAsync(kept, cancellationToken);
            }, cancellationToken);
        }
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var select = connection.Command(sql);
        select.SetList("k", [.. keys]);
        select.SetList("s", [.. scopes]);
        return await ReadSuppressionsAsync(select, cancellationToken);
    }

    public async Task<int> AddSuppressionsAsync(IReadOnlyCollection<SuppressionEntry> entries, CancellationToken cancellationToken)
    {
        if (entries.Count == 0)
            return 0;
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var added = 0;
        // One command for the batch, its parameters set per entry: an import adds a thousand a transaction.
        await using var insert = connection.Command($"INSERT INTO suppressions ({SuppressionColumns}) VALUES (@k, @s, @r, @m, @t, @by) " +
            "ON CONFLICT (address, scope) DO NOTHING", transaction);
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
            entries.Add(new SuppressionEntry(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.NullableString(3),
                reader.Time(4), reader.GetString(5)));
        return entries;
    }
}
