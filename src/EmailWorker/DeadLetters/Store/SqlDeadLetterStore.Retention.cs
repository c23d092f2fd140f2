namespace EmailWorker.DeadLetters.Store;

/// <summary>
/// The retention's delete: letters replayed, purged or edited long enough ago, their contents, replay jobs ended before the
/// cutoff, and scheduled messages released or cancelled before it.
/// </summary>
internal abstract partial class SqlDeadLetterStore
{
    public async Task<long> DeleteHistoryAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        var cutoff = before.ToUnixTimeMilliseconds();
        long deleted = 0;
        await using var connection = await OpenConnectionAsync(cancellationToken);
        // In chunks: one huge delete would hold SQLite's write lock (and the ingester) for its whole length. The contents
        // deleted are those of the letters this very statement deleted (RETURNING), never a second evaluation of the chunk:
        // on PostgreSQL another sweeper (another host) may have deleted the same chunk meanwhile, and a second query would
        // then pick the next letters, leaving the first ones' contents behind for good.
        const string chunk = "SELECT seq FROM dead_letters WHERE state <> 0 AND COALESCE(purged_at, edited_at, replayed_at) < @before ORDER BY seq LIMIT 5000";
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
        await using (var scheduled = connection.Command("DELETE FROM scheduled_messages WHERE state <> 0 AND changed_at < @before"))
        {
            scheduled.Add("@before", cutoff);
            await scheduled.ExecuteNonQueryAsync(cancellationToken);
        }
        return deleted;
    }
}
