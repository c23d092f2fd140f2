using System.Data.Common;
using EmailWorker.Webhooks;

namespace EmailWorker.DeadLetters.Store;

/// <summary>The webhook outbox's SQL: the same statements on SQLite and PostgreSQL but for the claim's row locks.</summary>
internal abstract partial class SqlDeadLetterStore : IWebhookStore
{
    private const string OutboxColumns = "id, webhook_id, endpoint, event_type, message_id, payload, state, attempts, created_at, next_attempt_at, " +
        "last_status, last_error, updated_at";

    /// <summary>
    /// PostgreSQL: a claim skips rows another worker's claim holds locked (instead of waiting for it and then finding them
    /// leased). SQLite: one writer at a time holds the file, so a claim needs no row locks.
    /// </summary>
    private string ClaimLock => ReferenceEquals(Dialect, SqlDialect.Postgres) ? " FOR UPDATE SKIP LOCKED" : "";

    public async Task<int> AddToOutboxAsync(IReadOnlyCollection<OutboxEntry> entries, CancellationToken cancellationToken)
    {
        if (entries.Count == 0)
            return 0;
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // The writer acks the events once this commits: the commit must be on disk (see SqlDialect.DurableCommit).
        if (Dialect.DurableCommit is { } durable)
            await connection.ExecuteAsync(durable, transaction, cancellationToken);
        var added = connection.CanCreateBatch
            ? await AddOutboxBatchedAsync(connection, transaction, entries, cancellationToken)
            : await AddOutboxOneByOneAsync(connection, transaction, entries, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return added;
    }

    private const string InsertOutbox =
        "INSERT INTO webhook_outbox (webhook_id, endpoint, event_type, message_id, payload, state, attempts, created_at, next_attempt_at, " +
        "lease_until, updated_at) VALUES (@w, @e, @t, @m, @p, 0, 0, @c, @c, 0, @c) ON CONFLICT (endpoint, webhook_id) DO NOTHING";

    /// <summary>PostgreSQL: the whole batch in one round trip.</summary>
    private static async Task<int> AddOutboxBatchedAsync(DbConnection connection, DbTransaction transaction, IReadOnlyCollection<OutboxEntry> entries,
        CancellationToken cancellationToken)
    {
        await using var batch = connection.CreateBatch();
        batch.Transaction = transaction;
        foreach (var entry in entries)
        {
            var insert = batch.CreateBatchCommand();
            insert.CommandText = InsertOutbox;
            AddOutboxParameters(insert.Parameters, insert.CreateParameter, entry);
            batch.BatchCommands.Add(insert);
        }
        await batch.ExecuteNonQueryAsync(cancellationToken);
        return batch.BatchCommands.Sum(c => c.RecordsAffected);
    }

    /// <summary>SQLite: one prepared statement run per row inside the transaction (no round trips to save).</summary>
    private static async Task<int> AddOutboxOneByOneAsync(DbConnection connection, DbTransaction transaction, IReadOnlyCollection<OutboxEntry> entries,
        CancellationToken cancellationToken)
    {
        await using var insert = connection.Command(InsertOutbox, transaction);
        var added = 0;
        foreach (var entry in entries)
        {
            insert.Parameters.Clear();
            AddOutboxParameters(insert.Parameters, insert.CreateParameter, entry);
            added += await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        return added;
    }

    private static void AddOutboxParameters(DbParameterCollection parameters, Func<DbParameter> create, OutboxEntry entry)
    {
        foreach (var (name, value) in new (string, object)[]
        {
            ("@w", entry.WebhookId), ("@e", entry.Endpoint), ("@t", entry.EventType), ("@m", entry.MessageId), ("@p", entry.Payload),
            ("@c", entry.CreatedAt.ToUnixTimeMilliseconds()),
        })
        {
            var parameter = create();
            parameter.ParameterName = name;
            parameter.Value = value;
            parameters.Add(parameter);
        }
    }

    public async Task<IReadOnlyList<OutboxRow>> ClaimDueAsync(IReadOnlyCollection<string> endpoints, string owner, DateTimeOffset now, DateTimeOffset leaseUntil,
        int limit, CancellationToken cancellationToken)
    {
        if (endpoints.Count == 0)
            return [];
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var claim = connection.Command("");
        claim.Add("@owner", owner);
        claim.Add("@now", now.ToUnixTimeMilliseconds());
        claim.Add("@lease", leaseUntil.ToUnixTimeMilliseconds());
        claim.Add("@limit", limit);
        claim.CommandText = "UPDATE webhook_outbox SET lease_owner = @owner, lease_until = @lease WHERE id IN (SELECT id FROM webhook_outbox " +
            $"WHERE state = 0 AND next_attempt_at <= @now AND lease_until <= @now AND endpoint IN ({claim.AddList("e", endpoints)}) " +
            $"ORDER BY next_attempt_at LIMIT @limit{ClaimLock}) RETURNING {OutboxColumns}";
        var rows = await ReadOutboxAsync(claim, cancellationToken);
        return [.. rows.OrderBy(r => r.NextAttemptAt)];
    }

    public async Task<IReadOnlySet<long>> RecordAttemptsAsync(IReadOnlyCollection<AttemptRecord> attempts, string owner, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var recorded = new HashSet<long>();
        if (attempts.Count == 0)
            return recorded;
        await using var connection = await OpenConnectionAsync(cancellationToken);
        // One commit for the wave: on SQLite every commit takes the file's one write lock, which the delivered ledger needs too.
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // A delivered row's next_attempt_at becomes its delivery time: the retention sweep then reads the same index as the claims.
        await using var update = connection.Command(
            "UPDATE webhook_outbox SET state = @state, attempts = attempts + 1, next_attempt_at = @next, lease_owner = NULL, lease_until = 0, " +
            "last_status = @status, last_error = @error, updated_at = @now WHERE id = @id AND lease_owner = @owner AND state = 0", transaction);
        foreach (var attempt in attempts)
        {
            update.Set("@state", (int)attempt.State);
            update.Set("@next", attempt.NextAttemptAt.ToUnixTimeMilliseconds());
            update.Set("@status", attempt.Status);
            update.Set("@error", attempt.Error);
            update.Set("@now", now.ToUnixTimeMilliseconds());
            update.Set("@id", attempt.Id);
            update.Set("@owner", owner);
            if (await update.ExecuteNonQueryAsync(cancellationToken) == 1)
                recorded.Add(attempt.Id);
        }
        await transaction.CommitAsync(cancellationToken);
        return recorded;
    }

    public async Task DisableEndpointAsync(DisabledEndpoint endpoint, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var upsert = connection.Command("INSERT INTO webhook_disabled_endpoints (endpoint, url, disabled_at) VALUES (@e, @u, @t) " +
            "ON CONFLICT (endpoint) DO UPDATE SET url = excluded.url, disabled_at = excluded.disabled_at");
        upsert.Add("@e", endpoint.Endpoint);
        upsert.Add("@u", endpoint.Url);
        upsert.Add("@t", endpoint.DisabledAt.ToUnixTimeMilliseconds());
        await upsert.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<DisabledEndpoint>> DisabledEndpointsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var select = connection.Command("SELECT endpoint, url, disabled_at FROM webhook_disabled_endpoints ORDER BY endpoint");
        var disabled = new List<DisabledEndpoint>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            disabled.Add(new DisabledEndpoint(reader.GetString(0), reader.GetString(1), reader.Time(2)));
        return disabled;
    }

    public async Task<int> ReplayWebhooksAsync(IReadOnlyCollection<long>? ids, string? endpoint, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var replay = connection.Command("", transaction);
        replay.Add("@now", now.ToUnixTimeMilliseconds());
        var which = new List<string>();
        if (ids is not null)
            which.Add(ids.Count == 0 ? "1 = 0" : $"id IN ({string.Join(", ", ids.Select((id, i) => AddId(replay, i, id)))})");
        if (endpoint is not null)
        {
            which.Add("endpoint = @endpoint");
            replay.Add("@endpoint", endpoint);
        }
        // A replay starts the schedule over; the last reply stays until the next attempt replaces it.
        replay.CommandText = "UPDATE webhook_outbox SET state = 0, attempts = 0, next_attempt_at = @now, lease_owner = NULL, lease_until = 0, " +
            $"updated_at = @now WHERE state = 2 AND {string.Join(" AND ", which)} RETURNING endpoint";
        var endpoints = new HashSet<string>(StringComparer.Ordinal);
        var replayed = 0;
        await using (var reader = await replay.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                replayed++;
                endpoints.Add(reader.GetString(0));
            }
        }
        if (endpoint is not null)
            endpoints.Add(endpoint);
        // What an operator replays is meant to be sent: an endpoint disabled by a 410 is enabled again.
        foreach (var name in endpoints)
        {
            await using var enable = connection.Command("DELETE FROM webhook_disabled_endpoints WHERE endpoint = @e", transaction);
            enable.Add("@e", name);
            await enable.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return replayed;
    }

    private static string AddId(DbCommand command, int index, long id)
    {
        command.Add($"@id{index}", id);
        return $"@id{index}";
    }

    public async Task<IReadOnlyList<OutboxRow>> ListOutboxAsync(OutboxState state, string? endpoint, long? beforeId, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var select = connection.Command("");
        select.Add("@state", (int)state);
        select.Add("@limit", limit);
        var where = "state = @state";
        if (endpoint is not null)
        {
            where += " AND endpoint = @endpoint";
            select.Add("@endpoint", endpoint);
        }
        if (beforeId is { } before)
        {
            where += " AND id < @before";
            select.Add("@before", before);
        }
        select.CommandText = $"SELECT {OutboxColumns} FROM webhook_outbox WHERE {where} ORDER BY id DESC LIMIT @limit";
        return await ReadOutboxAsync(select, cancellationToken);
    }

    public async Task<IReadOnlyList<OutboxCounts>> CountOutboxAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var select = connection.Command("SELECT endpoint, state, COUNT(*) FROM webhook_outbox GROUP BY endpoint, state");
        var counts = new Dictionary<string, long[]>(StringComparer.Ordinal);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var perState = counts.TryGetValue(reader.GetString(0), out var known) ? known : counts[reader.GetString(0)] = new long[3];
            if (reader.GetInt32(1) is var state and >= 0 and <= 2)
                perState[state] = reader.GetInt64(2);
        }
        return [.. counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => new OutboxCounts(c.Key, c.Value[0], c.Value[1], c.Value[2]))];
    }

    public async Task<IReadOnlyDictionary<string, long>> CountPendingAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var select = connection.Command("SELECT endpoint, COUNT(*) FROM webhook_outbox WHERE state = 0 GROUP BY endpoint");
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            counts[reader.GetString(0)] = reader.GetInt64(1);
        return counts;
    }

    public async Task<long> DeleteDeliveredWebhooksAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var delete = connection.Command("DELETE FROM webhook_outbox WHERE state = 1 AND next_attempt_at < @before");
        delete.Add("@before", before.ToUnixTimeMilliseconds());
        return await delete.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<IReadOnlyList<OutboxRow>> ReadOutboxAsync(DbCommand select, CancellationToken cancellationToken)
    {
        var rows = new List<OutboxRow>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new OutboxRow(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5),
                (OutboxState)reader.GetInt32(6), reader.GetInt32(7), reader.Time(8), reader.Time(9), reader.IsDBNull(10) ? null : reader.GetInt32(10),
                reader.NullableString(11), reader.Time(12)));
        }
        return rows;
    }
}
