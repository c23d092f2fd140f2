using System.Data.Common;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace EmailWorker.DeadLetters.Store;

/// <summary>
/// The store on an SQL database through ADO.NET; <see cref="SqliteDeadLetterStore"/> and <see cref="PostgresDeadLetterStore"/>
/// give it a connection and a <see cref="SqlDialect"/>. Each operation takes a pooled connection for as long as it runs, so
/// a stream never holds a reader (or SQLite's WAL) open between pages.
/// </summary>
internal abstract partial class SqlDeadLetterStore(SqlDialect dialect) : IDeadLetterStore
{
    /// <summary>Letters read per page while streaming; also the chunk for id lists.</summary>
    public const int PageSize = 500;

    private const string InsertLetter =
        "INSERT INTO dead_letters (letter_id, message_id, class, reason, smtp_code, enhanced_code, attempts, first_failure_at, " +
        "last_failure_at, recipients, group_key, stored_at, state) VALUES (@letter_id, @message_id, @class, @reason, @smtp_code, " +
        "@enhanced_code, @attempts, @first_failure_at, @last_failure_at, @recipients, @group_key, @stored_at, 0) ON CONFLICT (letter_id) DO NOTHING";

    // After the letter's row (new, or there already): its content under the row's seq, unless it is there already.
    private const string InsertContent =
        "INSERT INTO dead_letter_contents (seq, history, headers, body, properties) SELECT seq, @history, @headers, @body, @properties FROM dead_letters " +
        "WHERE letter_id = @letter_id ON CONFLICT (seq) DO NOTHING";

    private const string InsertGroup =
        "INSERT INTO dead_letter_groups (group_key, label, class, smtp_code, enhanced_code) VALUES (@group_key, @label, @class, " +
        "@smtp_code, @enhanced_code) ON CONFLICT (group_key) DO NOTHING";

    protected SqlDialect Dialect { get; } = dialect;

    public abstract string Description { get; }

    protected abstract ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken);

    /// <summary>Closes the pooled connections (after the ledger's own).</summary>
    protected abstract ValueTask ClosePoolAsync();

    public async ValueTask DisposeAsync()
    {
        await DisposeLedgerConnectionAsync();
        await ClosePoolAsync();
    }

    /// <summary>Creates the tables, or brings an older schema up to date, in one transaction.</summary>
    protected async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (Dialect.MigrationLock is { } lockSql)
            await connection.ExecuteAsync(lockSql, transaction, cancellationToken);
        await connection.ExecuteAsync("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)", transaction, cancellationToken);
        await using var read = connection.Command("SELECT MAX(version) FROM schema_version", transaction);
        var version = await read.ExecuteScalarAsync(cancellationToken) is { } value and not DBNull ? Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        var migrations = StoreSchema.Migrations(Dialect);
        if (version > migrations.Count)
            throw new InvalidOperationException(
                $"The dead-letter store {Description} has schema version {version}, newer than this emailworker knows ({migrations.Count}): upgrade emailworker");
        for (var next = version; next < migrations.Count; next++)
        {
            foreach (var statement in migrations[next])
                await connection.ExecuteAsync(statement, transaction, cancellationToken);
            await connection.ExecuteAsync($"INSERT INTO schema_version (version) VALUES ({next + 1})", transaction, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<int> InsertAsync(IReadOnlyCollection<IngestedLetter> letters, CancellationToken cancellationToken)
    {
        if (letters.Count == 0)
            return 0;
        var storedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (Dialect.DurableCommit is { } durable)
            await connection.ExecuteAsync(durable, transaction, cancellationToken);
        var inserted = connection.CanCreateBatch
            ? await InsertBatchedAsync(connection, transaction, letters, storedAt, cancellationToken)
            : await InsertOneByOneAsync(connection, transaction, letters, storedAt, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return inserted;
    }

    /// <summary>PostgreSQL: the whole batch in one round trip.</summary>
    private static async Task<int> InsertBatchedAsync(DbConnection connection, DbTransaction transaction, IReadOnlyCollection<IngestedLetter> letters,
        long storedAt, CancellationToken cancellationToken)
    {
        await using var batch = connection.CreateBatch();
        batch.Transaction = transaction;
        var letterCommands = new List<DbBatchCommand>(letters.Count);
        foreach (var letter in letters)
        {
            var insert = batch.CreateBatchCommand();
            insert.CommandText = InsertLetter;
            AddLetterParameters(insert.Parameters, insert.CreateParameter, letter, storedAt);
            batch.BatchCommands.Add(insert);
            letterCommands.Add(insert);
            var content = batch.CreateBatchCommand();
            content.CommandText = InsertContent;
            AddContentParameters(content.Parameters, content.CreateParameter, letter);
            batch.BatchCommands.Add(content);
        }
        foreach (var letter in letters.DistinctBy(l => l.Group.Key))
        {
            var group = batch.CreateBatchCommand();
            group.CommandText = InsertGroup;
            AddGroupParameters(group.Parameters, group.CreateParameter, letter);
            batch.BatchCommands.Add(group);
        }
        await batch.ExecuteNonQueryAsync(cancellationToken);
        return letterCommands.Sum(c => c.RecordsAffected);
    }

    /// <summary>SQLite: a prepared statement per table, run per letter inside the transaction (no round trips to save).</summary>
    private static async Task<int> InsertOneByOneAsync(DbConnection connection, DbTransaction transaction, IReadOnlyCollection<IngestedLetter> letters,
        long storedAt, CancellationToken cancellationToken)
    {
        var inserted = 0;
        await using var insert = connection.Command(InsertLetter, transaction);
        await using var content = connection.Command(InsertContent, transaction);
        await using var group = connection.Command(InsertGroup, transaction);
        foreach (var letter in letters)
        {
            insert.Parameters.Clear();
            AddLetterParameters(insert.Parameters, insert.CreateParameter, letter, storedAt);
            inserted += await insert.ExecuteNonQueryAsync(cancellationToken);
            content.Parameters.Clear();
            AddContentParameters(content.Parameters, content.CreateParameter, letter);
            await content.ExecuteNonQueryAsync(cancellationToken);
        }
        foreach (var letter in letters.DistinctBy(l => l.Group.Key))
        {
            group.Parameters.Clear();
            AddGroupParameters(group.Parameters, group.CreateParameter, letter);
            await group.ExecuteNonQueryAsync(cancellationToken);
        }
        return inserted;
    }

    private static void AddLetterParameters(DbParameterCollection parameters, Func<DbParameter> create, IngestedLetter letter, long storedAt)
    {
        void Add(string name, object? value)
        {
            var parameter = create();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            parameters.Add(parameter);
        }
        Add("@letter_id", letter.LetterId);
        Add("@message_id", letter.MessageId);
        Add("@class", letter.Failure.Class);
        Add("@reason", letter.Failure.Reason);
        Add("@smtp_code", letter.Failure.SmtpCode);
        Add("@enhanced_code", letter.Failure.EnhancedCode);
        Add("@attempts", letter.Failure.Attempts);
        Add("@first_failure_at", letter.Failure.FirstFailureAt.ToUnixTimeMilliseconds());
        Add("@last_failure_at", letter.Failure.LastFailureAt.ToUnixTimeMilliseconds());
        Add("@recipients", JsonSerializer.Serialize(letter.Recipients.ToArray(), DeadLetterJsonContext.Default.StringArray));
        Add("@group_key", letter.Group.Key);
        Add("@stored_at", storedAt);
    }

    private static void AddContentParameters(DbParameterCollection parameters, Func<DbParameter> create, IngestedLetter letter)
    {
        void Add(string name, object value)
        {
            var parameter = create();
            parameter.ParameterName = name;
            parameter.Value = value;
            parameters.Add(parameter);
        }
        Add("@letter_id", letter.LetterId);
        Add("@history", letter.Content.HistoryJson);
        Add("@headers", letter.Content.HeadersJson);
        Add("@body", letter.Content.Body);
        Add("@properties", letter.Content.Properties is { } properties
            ? System.Text.Json.JsonSerializer.Serialize(properties, DeadLetterJsonContext.Default.LetterProperties)
            : DBNull.Value);
    }

    private static void AddGroupParameters(DbParameterCollection parameters, Func<DbParameter> create, IngestedLetter letter)
    {
        void Add(string name, object? value)
        {
            var parameter = create();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            parameters.Add(parameter);
        }
        Add("@group_key", letter.Group.Key);
        Add("@label", letter.Group.Label);
        Add("@class", letter.Failure.Class);
        Add("@smtp_code", letter.Failure.SmtpCode);
        Add("@enhanced_code", letter.Failure.EnhancedCode);
    }

    public async IAsyncEnumerable<DeadLetter> StreamAsync(LetterSelection filter, long? limit = null, LetterOrder order = LetterOrder.OldestFirst,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        long? after = null;
        var left = limit ?? long.MaxValue;
        while (left > 0)
        {
            var page = await PageAsync(filter, after, (int)Math.Min(PageSize, left), order, cancellationToken);
            foreach (var letter in page.Letters)
                yield return letter;
            left -= page.Letters.Count;
            if (page.Next is null)
                yield break;
            after = page.Next;
        }
    }

    public async IAsyncEnumerable<DeadLetter> StreamFullAsync(LetterSelection filter, long? limit = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        long? after = 0;
        var left = limit ?? long.MaxValue;
        // Pages of full letters are smaller: bodies can carry attachments.
        const int fullPage = 100;
        while (left > 0 && after is { } cursor)
        {
            var page = await FullPageAsync(filter, cursor, (int)Math.Min(fullPage, left), LetterBudget.BytesPerRead, cancellationToken);
            foreach (var letter in page.Letters)
                yield return letter;
            left -= page.Letters.Count;
            after = page.Next;
        }
    }

    public async Task<LetterPage> FullPageAsync(LetterSelection filter, long after, int size, long maxBytes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        // The sizes first (no body is read for them), then the letters that fit, read up to the last one taken.
        var sequences = new List<long>(size);
        var sizes = new List<long>(size);
        await using (var connection = await OpenConnectionAsync(cancellationToken))
        await using (var command = connection.Command(""))
        {
            var where = FilterSql.Where(filter, command, Dialect);
            command.CommandText = $"SELECT d.seq, {Dialect.BodyLength}(c.body) FROM {LetterColumns.FullFrom} WHERE {where} AND d.seq > @after ORDER BY d.seq LIMIT @size";
            command.Add("@after", after);
            command.Add("@size", size);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                sequences.Add(reader.GetInt64(0));
                sizes.Add(reader.GetInt64(1));
            }
        }
        var taken = LetterBudget.Fit(sizes, maxBytes);
        if (taken == 0)
            return new LetterPage([], null);
        var last = sequences[taken - 1];
        var letters = new List<DeadLetter>(taken);
        await using (var connection = await OpenConnectionAsync(cancellationToken))
        await using (var command = connection.Command(""))
        {
            var where = FilterSql.Where(filter, command, Dialect);
            command.CommandText = $"SELECT {LetterColumns.Full} FROM {LetterColumns.FullFrom} WHERE {where} AND d.seq > @after AND d.seq <= @last ORDER BY d.seq";
            command.Add("@after", after);
            command.Add("@last", last);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                letters.Add(LetterColumns.ReadFull(reader));
        }
        // Fewer than asked and all of them taken: that was the last page.
        return new LetterPage(letters, taken == sequences.Count && sequences.Count < size ? null : last);
    }

    public async Task<LetterPage> PageAsync(LetterSelection filter, long? after, int size, LetterOrder order, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command("");
        var where = FilterSql.Where(filter, command, Dialect);
        var newest = order == LetterOrder.NewestFirst;
        if (after is { } cursor)
        {
            where += newest ? " AND d.seq < @after" : " AND d.seq > @after";
            command.Add("@after", cursor);
        }
        // One row more than asked tells whether another page follows without a second query.
        command.CommandText = $"SELECT {LetterColumns.Summary} FROM dead_letters d WHERE {where} ORDER BY d.seq {(newest ? "DESC" : "ASC")} LIMIT @size";
        command.Add("@size", size + 1);
        var letters = new List<DeadLetter>(Math.Min(size, PageSize));
        var more = false;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                if (letters.Count == size)
                {
                    more = true;
                    break;
                }
                letters.Add(LetterColumns.ReadSummary(reader));
            }
        }
        return new LetterPage(letters, more ? letters[^1].Sequence : null);
    }

    public async Task<long> CountAsync(LetterSelection filter, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command("");
        command.CommandText = $"SELECT COUNT(*) FROM dead_letters d WHERE {FilterSql.Where(filter, command, Dialect)}";
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<long> NewestSequenceAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var newest = connection.Command("SELECT MAX(seq) FROM dead_letters");
        return await newest.ExecuteScalarAsync(cancellationToken) is { } found and not DBNull
            ? Convert.ToInt64(found, System.Globalization.CultureInfo.InvariantCulture)
            : 0;
    }

    public async Task<IReadOnlyList<LetterGroup>> GroupsAsync(LetterSelection filter, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command("");
        var where = FilterSql.Where(filter, command, Dialect);
        command.CommandText = $"""
            SELECT g.group_key, g.label, g.class, g.smtp_code, g.enhanced_code, s.n, s.first_seen, s.last_seen, sample.reason
            FROM (SELECT d.group_key, COUNT(*) AS n, MIN(d.last_failure_at) AS first_seen, MAX(d.last_failure_at) AS last_seen, MIN(d.seq) AS sample_seq
                  FROM dead_letters d WHERE {where} GROUP BY d.group_key ORDER BY COUNT(*) DESC, d.group_key LIMIT @limit) s
            JOIN dead_letter_groups g ON g.group_key = s.group_key
            JOIN dead_letters sample ON sample.seq = s.sample_seq
            ORDER BY s.n DESC, s.group_key
            """;
        command.Add("@limit", limit);
        var groups = new List<LetterGroup>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            groups.Add(new LetterGroup(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetInt32(3),
                reader.NullableString(4), reader.GetInt64(5), reader.Time(6), reader.Time(7), reader.GetString(8)));
        }
        return groups;
    }

    public async Task<DeadLetter?> GetAsync(string letterId, CancellationToken cancellationToken)
    {
        var letters = await ReadFullAsync("d.letter_id = @id", letterId, 1, cancellationToken);
        return letters.Count == 0 ? null : letters[0];
    }

    public async Task<DeadLetter?> PreviewAsync(string letterId, int bodyBytes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bodyBytes, 0);
        await using var connection = await OpenConnectionAsync(cancellationToken);
        // The body's first bytes only, and its whole size: the columns of LetterColumns.Full with the body cut.
        await using var command = connection.Command(
            $"SELECT {LetterColumns.Summary}, c.history, c.headers, substr(c.body, 1, @bytes), c.properties, {Dialect.BodyLength}(c.body) " +
            $"FROM {LetterColumns.FullFrom} WHERE d.letter_id = @id");
        command.Add("@id", letterId);
        command.Add("@bytes", bodyBytes);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        var letter = LetterColumns.ReadFull(reader);
        return letter with { Content = letter.LoadedContent with { BodyLength = reader.GetInt64(LetterColumns.FullCount) } };
    }

    public Task<IReadOnlyList<DeadLetter>> GetByMessageIdAsync(string messageId, int limit, CancellationToken cancellationToken) =>
        ReadFullAsync("d.message_id = @id", messageId, limit, cancellationToken);

    private async Task<IReadOnlyList<DeadLetter>> ReadFullAsync(string condition, string id, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command($"SELECT {LetterColumns.Full} FROM {LetterColumns.FullFrom} WHERE {condition} ORDER BY d.seq LIMIT @limit");
        command.Add("@id", id);
        command.Add("@limit", limit);
        var letters = new List<DeadLetter>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            letters.Add(LetterColumns.ReadFull(reader));
        return letters;
    }

    public Task<int> MarkReplayedAsync(IReadOnlyCollection<string> letterIds, LetterMark mark, CancellationToken cancellationToken) =>
        InTransactionAsync((connection, transaction) => MarkAsync(connection, transaction, letterIds, LetterState.Replayed, mark, cancellationToken),
            cancellationToken);

    public Task<int> MarkPurgedAsync(IReadOnlyCollection<string> letterIds, LetterMark mark, CancellationToken cancellationToken) =>
        InTransactionAsync((connection, transaction) => MarkAsync(connection, transaction, letterIds, LetterState.Purged, mark, cancellationToken),
            cancellationToken);

    private static async Task<int> MarkAsync(DbConnection connection, DbTransaction transaction, IReadOnlyCollection<string> letterIds,
        LetterState state, LetterMark mark, CancellationToken cancellationToken)
    {
        var column = state == LetterState.Replayed ? "replayed" : "purged";
        var marked = 0;
        foreach (var chunk in letterIds.Chunk(PageSize))
        {
            await using var command = connection.Command("", transaction);
            var ids = command.AddList("id", chunk);
            // Through seq, not "state = 0 AND letter_id IN (…)": for that SQLite's planner (no statistics) walks every dead
            // letter by the state index — measured 3 s per 256 letters at a million. Here either index it picks is a seek.
            command.CommandText = $"UPDATE dead_letters SET state = @state, {column}_at = @at, {column}_by = @by " +
                $"WHERE state = 0 AND seq IN (SELECT seq FROM dead_letters WHERE letter_id IN ({ids}))";
            command.Add("@state", (int)state);
            command.Add("@at", mark.At.ToUnixTimeMilliseconds());
            command.Add("@by", mark.By);
            marked += await command.ExecuteNonQueryAsync(cancellationToken);
        }
        return marked;
    }

    public async Task<long> PurgeAsync(LetterSelection filter, LetterMark mark, CancellationToken cancellationToken)
    {
        // The selection is what matched when the purge began (or at its dry run, when the filter carries that bound):
        // letters stored since are not part of it.
        var newest = await NewestSequenceAsync(cancellationToken);
        var last = filter.UpTo is { } upTo ? Math.Min(upTo, newest) : newest;
        if (last == 0)
            return 0;
        await using var connection = await OpenConnectionAsync(cancellationToken);
        long purged = 0;
        // In chunks, as the retention deletes, so a purge of millions never holds SQLite's write lock for long.
        while (true)
        {
            await using var command = connection.Command("");
            var where = FilterSql.Where(filter with { State = LetterState.Dead }, command, Dialect);
            command.CommandText = $"UPDATE dead_letters SET state = {(int)LetterState.Purged}, purged_at = @at, purged_by = @by " +
                $"WHERE seq IN (SELECT d.seq FROM dead_letters d WHERE {where} AND d.seq <= @last ORDER BY d.seq LIMIT 5000)";
            command.Add("@at", mark.At.ToUnixTimeMilliseconds());
            command.Add("@by", mark.By);
            command.Add("@last", last);
            var count = await command.ExecuteNonQueryAsync(cancellationToken);
            purged += count;
            if (count == 0)
                return purged;
        }
    }

    public async Task<long> DeleteHistoryAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        var cutoff = before.ToUnixTimeMilliseconds();
        long deleted = 0;
        await using var connection = await OpenConnectionAsync(cancellationToken);
        // In chunks: one huge delete would hold SQLite's write lock (and the ingester) for its whole length. The contents
        // deleted are those of the letters this very statement deleted (RETURNING), never a second evaluation of the chunk:
        // on PostgreSQL another sweeper (another host) may have deleted the same chunk meanwhile, and a second query would
        // then pick the next letters, leaving the first ones' contents behind for good.
        const string chunk = "SELECT seq FROM dead_letters WHERE state <> 0 AND COALESCE(purged_at, replayed_at) < @before ORDER BY seq LIMIT 5000";
        while (true)
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var sequences = new List<long>();
            await using (var letters = connection.Command($"DELETE FROM dead_letters WHERE seq IN ({chunk}) RETURNING seq", transaction))
            {
                letters.Add("@before", cutoff);
                await using var reader = await letters.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                    sequences.Add(reader.GetInt64(0));
            }
            foreach (var part in sequences.Chunk(PageSize))
            {
                // Numbers the database just returned, written into the statement (no text from outside).
                var list = string.Join(", ", part.Select(seq => seq.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                await using var contents = connection.Command($"DELETE FROM dead_letter_contents WHERE seq IN ({list})", transaction);
                await contents.ExecuteNonQueryAsync(cancellationToken);
            }
            await transaction.CommitAsync(cancellationToken);
            deleted += sequences.Count;
            if (sequences.Count == 0)
                break;
        }
        await using var jobs = await connection.BeginTransactionAsync(cancellationToken);
        var endedJobs = "SELECT id FROM replay_jobs WHERE state IN (" +
            $"{(int)ReplayJobState.Completed}, {(int)ReplayJobState.Failed}, {(int)ReplayJobState.Cancelled}) AND updated_at < @before";
        foreach (var sql in new[] { $"DELETE FROM replay_job_letters WHERE job_id IN ({endedJobs})", $"DELETE FROM replay_jobs WHERE id IN ({endedJobs})" })
        {
            await using var command = connection.Command(sql, jobs);
            command.Add("@before", cutoff);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await jobs.CommitAsync(cancellationToken);
        return deleted;
    }

    private async Task<T> InTransactionAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var result = await work(connection, transaction);
        await transaction.CommitAsync(cancellationToken);
        return result;
    }
}
