namespace EmailWorker.DeadLetters.Store;

/// <summary>The audit log: appended to, read newest first a page at a time, never changed; kept apart from the retention.</summary>
internal abstract partial class SqlDeadLetterStore
{
    public async Task<AuditEntry> AppendAuditAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command(
            "INSERT INTO audit_log (at, actor, role, action, selection, letter_count, job_id) " +
            "VALUES (@at, @actor, @role, @action, @selection, @count, @job) RETURNING id");
        command.Add("@at", entry.At.ToUnixTimeMilliseconds());
        command.Add("@actor", entry.Actor);
        command.Add("@role", entry.Role);
        command.Add("@action", entry.Action);
        command.Add("@selection", entry.Selection);
        command.Add("@count", entry.Count);
        command.Add("@job", entry.JobId);
        var id = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        return entry with { Id = id };
    }

    public async Task<IReadOnlyList<AuditEntry>> ListAuditAsync(long? before, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command(
            "SELECT id, at, actor, role, action, selection, letter_count, job_id FROM audit_log " +
            $"{(before is null ? "" : "WHERE id < @before ")}ORDER BY id DESC LIMIT @limit");
        if (before is { } cursor)
            command.Add("@before", cursor);
        command.Add("@limit", limit);
        var entries = new List<AuditEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new AuditEntry(reader.GetInt64(0), reader.Time(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.GetString(5), reader.GetInt64(6), reader.IsDBNull(7) ? null : reader.GetInt64(7)));
        }
        return entries;
    }
}
