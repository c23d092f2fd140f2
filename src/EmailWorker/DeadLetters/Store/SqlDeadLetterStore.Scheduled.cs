using System.Data.Common;
using System.Text.Json;
using EmailWorker.Broker;
using EmailWorker.Messages;
using EmailWorker.Scheduling;

namespace EmailWorker.DeadLetters.Store;

/// <summary>
/// The scheduled messages' SQL: the same statements on SQLite and PostgreSQL but for the claim's row locks
/// (<see cref="ClaimLock"/>). A message is kept as a dead letter is: the body byte for byte, the headers as canonical JSON
/// (<see cref="HeaderJson"/>) and the AMQP properties as <see cref="LetterProperties"/>.
/// </summary>
internal abstract partial class SqlDeadLetterStore : IScheduledStore
{
    private const string EntryColumns = "message_id, send_at, held_at, state, body_bytes, changed_at, changed_by";

    public async Task<bool> HoldAsync(HeldMessage message, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // The worker acks the message once this commits: the commit must be on disk (see SqlDialect.DurableCommit).
        if (Dialect.DurableCommit is { } durable)
            await connection.ExecuteAsync(durable, transaction, cancellationToken);
        await using var insert = connection.Command(
            "INSERT INTO scheduled_messages (message_id, send_at, state, held_at, headers, properties, body, body_bytes, lease_until) " +
            "VALUES (@m, @s, 0, @h, @headers, @p, @b, @n, 0) ON CONFLICT (message_id) DO NOTHING", transaction);
        var incoming = message.Message;
        insert.Add("@m", message.MessageId);
        insert.Add("@s", message.SendAt.ToUnixTimeMilliseconds());
        insert.Add("@h", message.HeldAt.ToUnixTimeMilliseconds());
        insert.Add("@headers", HeaderJson.Write(incoming.Headers, name => !HeaderNames.IsBrokerDeathHeader(name)));
        insert.Add("@p", JsonSerializer.Serialize(PropertiesOf(incoming), DeadLetterJsonContext.Default.LetterProperties));
        insert.Add("@b", incoming.Body.ToArray());
        insert.Add("@n", (long)incoming.Body.Length);
        var added = await insert.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return added == 1;
    }

    public async Task<DateTimeOffset?> NextSendAtAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        // The index's first held row, unless a live lease covers it (then the next poll finds it released or free again).
        await using var select = connection.Command("SELECT MIN(send_at) FROM scheduled_messages WHERE state = 0 AND lease_until <= @now");
        select.Add("@now", now.ToUnixTimeMilliseconds());
        return await select.ExecuteScalarAsync(cancellationToken) is long sendAt ? DateTimeOffset.FromUnixTimeMilliseconds(sendAt) : null;
    }

    public async Task<IReadOnlyList<HeldMessage>> ClaimDueAsync(string owner, DateTimeOffset now, DateTimeOffset leaseUntil, int limit,
        CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var claim = connection.Command(
            "UPDATE scheduled_messages SET lease_owner = @owner, lease_until = @lease WHERE message_id IN (SELECT message_id FROM scheduled_messages " +
            $"WHERE state = 0 AND send_at <= @now AND lease_until <= @now ORDER BY send_at LIMIT @limit{ClaimLock}) " +
            "RETURNING message_id, send_at, held_at, headers, properties, body");
        claim.Add("@owner", owner);
        claim.Add("@now", now.ToUnixTimeMilliseconds());
        claim.Add("@lease", leaseUntil.ToUnixTimeMilliseconds());
        claim.Add("@limit", limit);
        var claimed = new List<HeldMessage>();
        await using var reader = await claim.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var properties = JsonSerializer.Deserialize(reader.GetString(4), DeadLetterJsonContext.Default.LetterProperties);
            var message = MessageOf((byte[])reader.GetValue(5), HeaderJson.Read(reader.GetString(3)), properties);
            claimed.Add(new HeldMessage(reader.GetString(0), reader.Time(1), reader.Time(2), message));
        }
        return [.. claimed.OrderBy(m => m.SendAt)];
    }

    public async Task<bool> MarkReleasedAsync(string messageId, string owner, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var update = connection.Command(
            $"UPDATE scheduled_messages SET state = {(int)ScheduledState.Released}, {Dropped}, lease_owner = NULL, lease_until = 0, changed_at = @at, " +
            "changed_by = @owner WHERE message_id = @m AND lease_owner = @owner AND state = 0");
        update.Add("@m", messageId);
        update.Add("@owner", owner);
        update.Add("@at", at.ToUnixTimeMilliseconds());
        return await update.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task FreeLeasesAsync(IReadOnlyCollection<string> messageIds, string owner, CancellationToken cancellationToken)
    {
        if (messageIds.Count == 0)
            return;
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var update = connection.Command("");
        update.Add("@owner", owner);
        update.CommandText = "UPDATE scheduled_messages SET lease_owner = NULL, lease_until = 0 " +
            $"WHERE lease_owner = @owner AND state = 0 AND message_id IN ({update.AddList("m", messageIds)})";
        await update.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<CancelOutcome> CancelScheduledAsync(string messageId, string by, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Read under the row's lock (PostgreSQL; SQLite's transaction holds the file's), so the state seen is the one changed.
        await using var select = connection.Command($"SELECT state, lease_until FROM scheduled_messages WHERE message_id = @m{Dialect.JobRowLock}", transaction);
        select.Add("@m", messageId);
        CancelOutcome outcome;
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            outcome = !await reader.ReadAsync(cancellationToken) ? CancelOutcome.NotFound
                : (ScheduledState)reader.GetInt32(0) switch
                {
                    ScheduledState.Cancelled => CancelOutcome.AlreadyCancelled,
                    ScheduledState.Released => CancelOutcome.AlreadyReleased,
                    // A live lease: a releaser may have published it already and not yet marked it.
                    _ when reader.GetInt64(1) > at.ToUnixTimeMilliseconds() => CancelOutcome.BeingReleased,
                    _ => CancelOutcome.Cancelled,
                };
        }
        if (outcome == CancelOutcome.Cancelled)
        {
            await using var update = connection.Command(
                $"UPDATE scheduled_messages SET state = {(int)ScheduledState.Cancelled}, {Dropped}, changed_at = @at, changed_by = @by " +
                "WHERE message_id = @m AND state = 0", transaction);
            update.Add("@m", messageId);
            update.Add("@at", at.ToUnixTimeMilliseconds());
            update.Add("@by", by);
            await update.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return outcome;
    }

    public async Task<IReadOnlyList<ScheduledEntry>> ListScheduledAsync(ScheduledState? state, (DateTimeOffset SendAt, string MessageId)? after, int limit,
        CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var select = connection.Command("");
        var conditions = new List<string>();
        if (state is { } only)
        {
            conditions.Add("state = @state");
            select.Add("@state", (int)only);
        }
        if (after is var (sendAt, messageId))
        {
            conditions.Add("(send_at > @s OR (send_at = @s AND message_id > @m))");
            select.Add("@s", sendAt.ToUnixTimeMilliseconds());
            select.Add("@m", messageId);
        }
        select.Add("@limit", limit);
        var where = conditions.Count == 0 ? "" : $"WHERE {string.Join(" AND ", conditions)} ";
        select.CommandText = $"SELECT {EntryColumns} FROM scheduled_messages {where}ORDER BY send_at, message_id LIMIT @limit";
        return await ReadEntriesAsync(select, cancellationToken);
    }

    public async Task<ScheduledEntry?> GetScheduledAsync(string messageId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var select = connection.Command($"SELECT {EntryColumns} FROM scheduled_messages WHERE message_id = @m");
        select.Add("@m", messageId);
        return (await ReadEntriesAsync(select, cancellationToken)).SingleOrDefault();
    }

    /// <summary>A cancelled or released message keeps no content: it is never published from here again, and holds personal data.</summary>
    private string Dropped => $"headers = '{{}}', properties = '{{}}', body = {(ReferenceEquals(Dialect, SqlDialect.Postgres) ? "''::bytea" : "X''")}";

    private static async Task<IReadOnlyList<ScheduledEntry>> ReadEntriesAsync(DbCommand select, CancellationToken cancellationToken)
    {
        var entries = new List<ScheduledEntry>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            entries.Add(new ScheduledEntry(reader.GetString(0), reader.Time(1), reader.Time(2), (ScheduledState)reader.GetInt32(3), reader.GetInt64(4),
                reader.IsDBNull(5) ? null : reader.Time(5), reader.NullableString(6)));
        return entries;
    }

    private static LetterProperties PropertiesOf(IncomingMessage message) => new(message.ContentType, message.ContentEncoding, message.MessageId,
        message.CorrelationId, message.Type, message.AppId, message.Timestamp, Priority: message.Priority, ReplyTo: message.ReplyTo,
        Expiration: message.OriginalExpiration, UserId: message.OriginalUserId);

    /// <summary>The message as it came, to publish again (as <c>Replay/ReplayMessage</c> does for a letter).</summary>
    private static IncomingMessage MessageOf(byte[] body, Dictionary<string, object?> headers, LetterProperties? kept) => new(body)
    {
        Headers = headers,
        ContentType = kept?.ContentType,
        ContentEncoding = kept?.ContentEncoding,
        MessageId = kept?.MessageId,
        CorrelationId = kept?.CorrelationId,
        Type = kept?.Type,
        AppId = kept?.AppId,
        Timestamp = kept?.Timestamp ?? 0,
        Priority = kept?.Priority,
        ReplyTo = kept?.ReplyTo,
        OriginalExpiration = kept?.Expiration,
        OriginalUserId = kept?.UserId,
    };
}
