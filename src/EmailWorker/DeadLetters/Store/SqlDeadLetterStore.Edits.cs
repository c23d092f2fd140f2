using System.Data.Common;

namespace EmailWorker.DeadLetters.Store;

/// <summary>
/// Edit &amp; retry: in one transaction the original letter is marked edited, its edited copy stored as a new dead letter,
/// a replay job of that copy alone created, and the edit (both bodies, who) and its audit entry written. Exactly one of the
/// two can ever be sent: the original is no longer dead, so no replay selects it and a job that holds it skips it.
/// </summary>
internal abstract partial class SqlDeadLetterStore
{
    private const string EditColumns =
        "id, original_letter_id, edited_letter_id, message_id, edited_at, edited_by, role, job_id, original_body, edited_body";

    public Task<QueuedEdit> EditAsync(string originalLetterId, IngestedLetter edited, LetterMark mark, string role, CancellationToken cancellationToken) =>
        InTransactionAsync(async (connection, transaction) =>
        {
            if (Dialect.DurableCommit is { } durable)
                await connection.ExecuteAsync(durable, transaction, cancellationToken);
            if (Dialect.JobLock is { } jobLock)
                await connection.ExecuteAsync(jobLock, transaction, cancellationToken);
            // PostgreSQL: hold every job that may still run until this commits. A run claims its job (an update of its row)
            // before it reads letters, so it either committed its claim before this (and the job checks below refuse the
            // edit) or waits here and then reads the original as edited. SQLite's write lock already orders them so.
            await using (var jobs = connection.Command(
                $"SELECT id FROM replay_jobs WHERE state IN (@pending, @running, @failed) ORDER BY id{Dialect.JobRowLock}", transaction))
            {
                jobs.Add("@pending", (int)ReplayJobState.Pending);
                jobs.Add("@running", (int)ReplayJobState.Running);
                jobs.Add("@failed", (int)ReplayJobState.Failed);
                await using var reader = await jobs.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    // Only the locks matter.
                }
            }
            // Refused while a replay is in progress or an interrupted one has a window published and not marked: that window
            // may hold the original, on its way to the work queue already.
            var jobId = await InsertJobAsync(connection, transaction, $"edit of letter {originalLetterId}", mark, cancellationToken);
            if (!await MarkEditedAsync(connection, transaction, originalLetterId, mark, cancellationToken))
                throw new LetterNotEditableException(originalLetterId, await StateOfAsync(connection, transaction, originalLetterId, cancellationToken));
            var storedAt = mark.At.ToUnixTimeMilliseconds();
            if (await InsertOneByOneAsync(connection, transaction, [edited], storedAt, cancellationToken) != 1)
                throw new InvalidOperationException($"the edited copy {edited.LetterId} of letter {originalLetterId} is stored already");
            await using (var position = connection.Command(
                "INSERT INTO replay_job_letters (job_id, position, seq) SELECT @job, 1, seq FROM dead_letters WHERE letter_id = @id", transaction))
            {
                position.Add("@job", jobId);
                position.Add("@id", edited.LetterId);
                await position.ExecuteNonQueryAsync(cancellationToken);
            }
            var job = await SetTotalAsync(connection, transaction, jobId, 1, cancellationToken);
            var edit = await InsertEditAsync(connection, transaction, originalLetterId, edited, mark, role, jobId, cancellationToken);
            await using (var audit = connection.Command(
                "INSERT INTO audit_log (at, actor, role, action, selection, letter_count, job_id) VALUES (@at, @actor, @role, 'edit', @selection, 1, @job)",
                transaction))
            {
                audit.Add("@at", storedAt);
                audit.Add("@actor", mark.By);
                audit.Add("@role", role);
                audit.Add("@selection", $"letter {originalLetterId} edited as {edited.LetterId} (message {edited.MessageId})");
                audit.Add("@job", jobId);
                await audit.ExecuteNonQueryAsync(cancellationToken);
            }
            return new QueuedEdit(edit, job);
        }, cancellationToken);

    /// <summary>The edit that replaced this letter, or that made it (its edited copy); null when there is none.</summary>
    public async Task<LetterEdit?> GetEditAsync(string letterId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command(
            $"SELECT {EditColumns} FROM letter_edits WHERE original_letter_id = @id OR edited_letter_id = @id ORDER BY id LIMIT 1");
        command.Add("@id", letterId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadEdit(reader) : null;
    }

    private static async Task<bool> MarkEditedAsync(DbConnection connection, DbTransaction transaction, string letterId, LetterMark mark,
        CancellationToken cancellationToken)
    {
        // Only a letter still dead: a replay or purge that marked it first wins, and so does an edit committed first.
        await using var command = connection.Command(
            "UPDATE dead_letters SET state = @edited, edited_at = @at, edited_by = @by " +
            "WHERE state = 0 AND seq IN (SELECT seq FROM dead_letters WHERE letter_id = @id)", transaction);
        command.Add("@edited", (int)LetterState.Edited);
        command.Add("@at", mark.At.ToUnixTimeMilliseconds());
        command.Add("@by", mark.By);
        command.Add("@id", letterId);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    private static async Task<LetterState?> StateOfAsync(DbConnection connection, DbTransaction transaction, string letterId, CancellationToken cancellationToken)
    {
        await using var command = connection.Command("SELECT state FROM dead_letters WHERE letter_id = @id", transaction);
        command.Add("@id", letterId);
        return await command.ExecuteScalarAsync(cancellationToken) is { } state and not DBNull
            ? (LetterState)Convert.ToInt32(state, System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    private static async Task<LetterEdit> InsertEditAsync(DbConnection connection, DbTransaction transaction, string originalLetterId,
        IngestedLetter edited, LetterMark mark, string role, long jobId, CancellationToken cancellationToken)
    {
        // The original body is copied inside the database: it is never read into memory for this.
        await using var command = connection.Command(
            "INSERT INTO letter_edits (original_letter_id, edited_letter_id, message_id, edited_at, edited_by, role, job_id, original_body, edited_body) " +
            "SELECT @original, @edited, @message, @at, @by, @role, @job, c.body, @body FROM dead_letters d JOIN dead_letter_contents c ON c.seq = d.seq " +
            $"WHERE d.letter_id = @original RETURNING {EditColumns}", transaction);
        command.Add("@original", originalLetterId);
        command.Add("@edited", edited.LetterId);
        command.Add("@message", edited.MessageId);
        command.Add("@at", mark.At.ToUnixTimeMilliseconds());
        command.Add("@by", mark.By);
        command.Add("@role", role);
        command.Add("@job", jobId);
        command.Add("@body", edited.Content.Body);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadEdit(reader)
            : throw new InvalidOperationException($"letter {originalLetterId} has no content to keep for its edit");
    }

    private static LetterEdit ReadEdit(DbDataReader reader) => new(
        reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.Time(4), reader.GetString(5),
        reader.GetString(6), reader.GetInt64(7), (byte[])reader.GetValue(8), (byte[])reader.GetValue(9));
}
