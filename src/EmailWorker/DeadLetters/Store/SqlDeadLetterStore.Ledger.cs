using System.Data.Common;
using EmailWorker.Delivery.Ledger;

namespace EmailWorker.DeadLetters.Store;

/// <summary>
/// The delivered ledger's SQL: the same statements on SQLite and PostgreSQL. A batch of many handlers' look-ups or writes
/// runs as a few multi-row statements (one per kind), not one per handler: the statements' cost, not the commit's, is
/// what a busy worker pays per message.
/// </summary>
internal abstract partial class SqlDeadLetterStore : ILedgerStore
{
    private const string LedgerColumns = "message_id, recipient, state, claimed_at, updated_at, reply";

    /// <summary>Rows per statement at most: two or three parameters each, far below SQLite's and PostgreSQL's limits.</summary>
    private const int LedgerRowsPerStatement = 500;

    /// <summary>The parameters' names by row, made once: a batch sets its parameters by position (<see cref="DbCommandExtensions.SetAt"/>).</summary>
    private static readonly string[] MessageIdNames = Names("@m"), RecipientNames = Names("@r"), ReplyNames = Names("@reply");

    private LedgerConnection? _ledger;

    /// <summary>The ledger's own connection (<see cref="LedgerConnection"/>); by default one from the pool, held.</summary>
    protected virtual ValueTask<DbConnection> OpenLedgerConnectionAsync(CancellationToken cancellationToken) => OpenConnectionAsync(cancellationToken);

    private LedgerConnection Ledger => LazyInitializer.EnsureInitialized(ref _ledger, () => new LedgerConnection(OpenLedgerConnectionAsync, Dialect.LedgerSession));

    private async ValueTask DisposeLedgerConnectionAsync()
    {
        if (_ledger is not null)
            await _ledger.DisposeAsync();
    }

    /// <summary>
    /// On the ledger's own connection: on SQLite every commit of it makes the page cache of every other connection to the
    /// file stale, so a look-up on a pooled one re-reads its pages (and opens, parses); here it is a few microseconds.
    /// </summary>
    public Task<IReadOnlyList<IReadOnlyList<LedgerEntry>>> LookUpLedgerAsync(IReadOnlyList<string> messageIds, CancellationToken cancellationToken) =>
        Ledger.ReadAsync<IReadOnlyList<IReadOnlyList<LedgerEntry>>>(async () =>
        {
            var distinct = messageIds.Distinct(StringComparer.Ordinal).ToList();
            var rows = new List<LedgerEntry>();
            foreach (var chunk in distinct.Chunk(LedgerRowsPerStatement))
            {
                var select = Ledger.Command("look-up", chunk.Length,
                    static (_, rows) => $"SELECT {LedgerColumns} FROM delivery_ledger WHERE message_id IN ({DbCommandExtensions.List("m", rows)})");
                for (var i = 0; i < chunk.Length; i++)
                    select.SetAt(i, MessageIdNames[i], chunk[i]);
                await ReadEntriesAsync(select, rows, cancellationToken);
            }
            var byMessage = rows.ToLookup(e => e.MessageId, StringComparer.Ordinal);
            return [.. messageIds.Select(id => (IReadOnlyList<LedgerEntry>)[.. byMessage[id].OrderBy(e => e.Recipient, StringComparer.Ordinal)])];
        }, cancellationToken);

    public Task<IReadOnlyList<IReadOnlyList<LedgerEntry>>> WriteLedgerAsync(IReadOnlyList<LedgerWrite> writes, DateTimeOffset now,
        CancellationToken cancellationToken) => Ledger.InTransactionAsync(async transaction =>
    {
        var at = now.ToUnixTimeMilliseconds();
        // Claims first, then deliveries, then releases: one handler's write holds at most one of them at a time
        // (DeliveryLedger), so the order between kinds only meets two handlers of the same message in one batch.
        var found = await ClaimAsync(transaction, writes, at, cancellationToken);
        await RecordDeliveredAsync(transaction, writes, at, cancellationToken);
        await ReleaseAsync(transaction, writes, cancellationToken);
        return found;
    }, cancellationToken);

    /// <summary>
    /// Inserts <c>sending</c> rows where there are none, then reads the rows that were there. Insert first: on PostgreSQL a
    /// concurrent claim of the same row waits for the other transaction, so the read that follows sees what it committed.
    /// Of two writes in this batch claiming the same row, the first finds it new and the second finds it <c>sending</c>.
    /// </summary>
    private async Task<IReadOnlyList<IReadOnlyList<LedgerEntry>>> ClaimAsync(DbTransaction transaction, IReadOnlyList<LedgerWrite> writes, long at,
        CancellationToken cancellationToken)
    {
        var pairs = writes.SelectMany(w => w.Claim.Select(r => (w.MessageId, Recipient: r))).ToList();
        var inserted = new HashSet<(string, string)>();
        foreach (var chunk in pairs.Chunk(LedgerRowsPerStatement))
        {
            var insert = Ledger.Command("claim", chunk.Length, static (_, rows) => $"INSERT INTO delivery_ledger ({LedgerColumns}) VALUES " +
                string.Join(", ", Enumerable.Range(0, rows).Select(i => $"(@m{i}, @r{i}, 0, @t, @t, NULL)")) +
                " ON CONFLICT (message_id, recipient) DO NOTHING RETURNING message_id, recipient", transaction);
            insert.SetAt(0, "@t", at);
            SetPairs(insert, 1, chunk);
            await using var reader = await insert.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                inserted.Add((reader.GetString(0), reader.GetString(1)));
        }
        var existing = new List<(string MessageId, string Recipient)>();
        var owners = new List<int>();
        for (var w = 0; w < writes.Count; w++)
        {
            foreach (var recipient in writes[w].Claim.Distinct(StringComparer.Ordinal))
            {
                if (!inserted.Remove((writes[w].MessageId, recipient)))
                {
                    existing.Add((writes[w].MessageId, recipient));
                    owners.Add(w);
                }
            }
        }
        var found = writes.Select(_ => new List<LedgerEntry>()).ToList();
        if (existing.Count == 0)
            return found;
        var rows = new List<LedgerEntry>();
        foreach (var chunk in existing.Distinct().Chunk(LedgerRowsPerStatement))
        {
            var select = Ledger.Command("claimed rows", chunk.Length,
                static (_, rows) => $"SELECT {LedgerColumns} FROM delivery_ledger WHERE (message_id, recipient) IN ({PairList(rows)})", transaction);
            SetPairs(select, 0, chunk);
            await ReadEntriesAsync(select, rows, cancellationToken);
        }
        var current = rows.ToDictionary(e => (e.MessageId, e.Recipient));
        var time = DateTimeOffset.FromUnixTimeMilliseconds(at);
        for (var i = 0; i < existing.Count; i++)
        {
            var (messageId, recipient) = existing[i];
            // Unreadable: another worker holds the row uncommitted.
            found[owners[i]].Add(current.GetValueOrDefault((messageId, recipient)) ?? new LedgerEntry(messageId, recipient, LedgerState.Sending, time, time, null));
        }
        return found;
    }

    private async Task RecordDeliveredAsync(DbTransaction transaction, IReadOnlyList<LedgerWrite> writes, long at, CancellationToken cancellationToken)
    {
        // One row once per statement (PostgreSQL refuses to update a row twice in one); the last write's reply wins.
        var rows = writes.SelectMany(w => w.Delivered.Select(r => (Key: (w.MessageId, Recipient: r), w.Reply)))
            .GroupBy(d => d.Key).Select(g => g.Last()).ToList();
        foreach (var chunk in rows.Chunk(LedgerRowsPerStatement))
        {
            // A row claimed by this attempt keeps its claim time; one missing (its claim failed) is made delivered at once.
            var upsert = Ledger.Command("delivered", chunk.Length, static (_, rows) => $"INSERT INTO delivery_ledger ({LedgerColumns}) VALUES " +
                string.Join(", ", Enumerable.Range(0, rows).Select(i => $"(@m{i}, @r{i}, 1, @t, @t, @reply{i})")) +
                " ON CONFLICT (message_id, recipient) DO UPDATE SET state = 1, updated_at = excluded.updated_at, reply = excluded.reply", transaction);
            upsert.SetAt(0, "@t", at);
            for (var i = 0; i < chunk.Length; i++)
            {
                upsert.SetAt(1 + 3 * i, MessageIdNames[i], chunk[i].Key.MessageId);
                upsert.SetAt(2 + 3 * i, RecipientNames[i], chunk[i].Key.Recipient);
                upsert.SetAt(3 + 3 * i, ReplyNames[i], chunk[i].Reply);
            }
            await upsert.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private async Task ReleaseAsync(DbTransaction transaction, IReadOnlyList<LedgerWrite> writes, CancellationToken cancellationToken)
    {
        var pairs = writes.SelectMany(w => w.Release.Select(r => (w.MessageId, Recipient: r))).Distinct().ToList();
        foreach (var chunk in pairs.Chunk(LedgerRowsPerStatement))
        {
            var delete = Ledger.Command("release", chunk.Length,
                static (_, rows) => $"DELETE FROM delivery_ledger WHERE state = 0 AND (message_id, recipient) IN ({PairList(rows)})", transaction);
            SetPairs(delete, 0, chunk);
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary><c>VALUES (@m0, @r0), (@m1, @r1), …</c>: a list of (message id, recipient) pairs, as both databases take it after IN.</summary>
    private static string PairList(int count) => "VALUES " + string.Join(", ", Enumerable.Range(0, count).Select(i => $"(@m{i}, @r{i})"));

    /// <summary>Sets the pairs' parameters (as <see cref="PairList"/> names them) from position <paramref name="first"/> on.</summary>
    private static void SetPairs(DbCommand command, int first, (string MessageId, string Recipient)[] pairs)
    {
        for (var i = 0; i < pairs.Length; i++)
        {
            command.SetAt(first + 2 * i, MessageIdNames[i], pairs[i].MessageId);
            command.SetAt(first + 2 * i + 1, RecipientNames[i], pairs[i].Recipient);
        }
    }

    private static string[] Names(string prefix) => [.. Enumerable.Range(0, LedgerRowsPerStatement).Select(i => $"{prefix}{i}")];

    /// <summary>The ledger's rows for one message, for <c>dlq show</c>: on a pooled connection, away from the workers' batches.</summary>
    public async Task<IReadOnlyList<LedgerEntry>> ReadLedgerAsync(string messageId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var select = connection.Command($"SELECT {LedgerColumns} FROM delivery_ledger WHERE message_id = @m ORDER BY recipient");
        select.Set("@m", messageId);
        var entries = new List<LedgerEntry>();
        await ReadEntriesAsync(select, entries, cancellationToken);
        return entries;
    }

    private static async Task ReadEntriesAsync(DbCommand select, List<LedgerEntry> into, CancellationToken cancellationToken)
    {
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            into.Add(ReadEntry(reader));
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
